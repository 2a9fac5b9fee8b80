using System.Runtime.InteropServices;
using AcWs.Host;
using AcWs.Runtime;

// acws: serve one Assetto Corsa server folder over WebSockets. Exit codes: 0 ok, 1 cannot start, 2 bad usage.
// `acws call …` is the client side, for scripts and timers (Remote/).

if (args.Length > 0 && args[0] == Guard.Flag) return Guard.Run(args[1..]);
if (args.Length > 0 && args[0] == "call") return await AcWs.Remote.CallCommand.RunAsync(args[1..], Environment.GetEnvironmentVariable, Console.Out, Console.Error);
if (args.Length > 0 && args[0] == AcWs.StandIn.StrackerStandIn.Flag) return AcWs.StandIn.StrackerStandIn.Run(args[1..]);
if (args.Length > 0 && args[0] == "--stand-in-acserver") return AcWs.StandIn.AcServerStandIn.Run(args[1..]);

Options options;
try
{
    options = Options.Parse(args, Environment.GetEnvironmentVariable);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"acws: {e.Message}");
    Console.Error.WriteLine(Options.Usage);
    return 2;
}
if (options.ShowHelp) { Console.WriteLine(Options.Usage); return 0; }
if (options.ShowVersion) { Console.WriteLine($"acws {Agent.Version}"); return 0; }
SocketSettings.Apply();

using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

// Windows keeps Console.Out, which writes in the console's code page.
var stdout = OperatingSystem.IsWindows() ? Console.Out : LogWriter.ForStdout(Console.OpenStandardOutput());
return await Serve.RunAsync(options, stdout, Console.Error, stop.Token);
