using System.Runtime.InteropServices;

namespace AcWs.StandIn;

/// <summary>
/// A stand-in for stracker in <c>acws --demo</c> (<c>acws --stand-in-stracker</c>): a real process that prints
/// stracker-like start-up lines, says where its ini is, and runs until SIGTERM, when it says goodbye and exits 0.
/// </summary>
public static class StrackerStandIn
{
    public const string Flag = "--stand-in-stracker";

    public static int Run(string[] args)
    {
        using var done = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            done.Set();
        });
        int ini = Array.IndexOf(args, "--stracker_ini");
        string iniPath = ini >= 0 && ini + 1 < args.Length ? args[ini + 1] : "stracker.ini";
        Console.WriteLine("stracker (acws demo stand-in) starting");
        Console.WriteLine(File.Exists(iniPath) ? $"reading configuration from {iniPath}" : $"WARNING: {iniPath} not found, using defaults");
        Console.WriteLine("listening for the acServer UDP plugin (demo: nothing arrives)");
        Console.Out.Flush();
        done.Wait();
        Console.WriteLine("got TERM, stracker stopping");
        return 0;
    }
}
