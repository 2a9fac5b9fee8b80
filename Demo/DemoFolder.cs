using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AcWs.Files;

namespace AcWs.Demo;

/// <summary>
/// <c>acws --demo</c>: a sample server folder, embedded in the binary, unpacked into a temp directory that lives
/// exactly as long as acws: removed on every way out of <c>Serve.RunAsync</c>, and one left by an acws that
/// could not clean up (SIGKILL, a power cut) is removed by the next <c>--demo</c>.
/// </summary>
public static class DemoFolder
{
    const string Prefix = "acws-demo-";

    /// <summary>
    /// Makes the demo folder. Its stracker is set up as a downstream plugin behind acws (the relay a real server
    /// needs when stracker and acws both read acServer's plugin events): <paramref name="strackerPlugin"/> is where
    /// acws forwards them (<c>--plugin-forward</c>).
    /// </summary>
    public static string CreateFolder(out IPEndPoint strackerPlugin)
    {
        string root = Path.Combine(Path.GetTempPath(), $"{Prefix}{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        var assembly = typeof(DemoFolder).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            string name = resource.Replace('\\', '/');
            if (!name.StartsWith("demo/", StringComparison.Ordinal)) continue;
            string target = Path.Combine(root, name["demo/".Length..].Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = assembly.GetManifestResourceStream(resource)!;
            using var file = File.Create(target);
            source.CopyTo(file);
        }
        // The sample registers with the lobby: the demo gives it one of its own (see StandIn/DemoLobby.cs).
        string cfg = Path.Combine(root, "cfg", "server_cfg.ini");
        var ini = Ini.IniDocument.Load(cfg, "cfg/server_cfg.ini");
        ini.Set("SERVER", "REGISTER_TO_LOBBY", "1");
        // The plugin interface (the file says 11000 and 127.0.0.1:12000) moves to free loopback ports, so two demos,
        // or a demo next to a real server, never fight over one.
        int eventsPort;
        using (var local = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        using (var events = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        using (var stracker = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            eventsPort = ((IPEndPoint)events.Client.LocalEndPoint!).Port;
            ini.Set("SERVER", "UDP_PLUGIN_LOCAL_PORT", ((IPEndPoint)local.Client.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture));
            ini.Set("SERVER", "UDP_PLUGIN_ADDRESS", "127.0.0.1:" + eventsPort.ToString(CultureInfo.InvariantCulture));
            strackerPlugin = (IPEndPoint)stracker.Client.LocalEndPoint!;
        }
        File.WriteAllBytes(cfg, ini.ToBytes());
        // stracker receives what acws forwards and sends its commands to acws, which passes them on to acServer.
        string strackerIni = Path.Combine(root, "cfg", "stracker.ini");
        var tracker = Ini.IniDocument.Load(strackerIni, "cfg/stracker.ini");
        tracker.Set("ACPLUGIN", "rcvPort", strackerPlugin.Port.ToString(CultureInfo.InvariantCulture));
        tracker.Set("ACPLUGIN", "sendPort", eventsPort.ToString(CultureInfo.InvariantCulture));
        File.WriteAllBytes(strackerIni, tracker.ToBytes());
        return root;
    }

    /// <summary>Removes a demo folder; returns why it could not, or null.</summary>
    public static string? RemoveFolder(string root)
    {
        // A child that was just stopped may still be closing a log file in it: a few tries, not one.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
                return null;
            }
            catch (UnauthorizedAccessException e) { return $"could not remove the demo folder {root}: {e.Message}"; }
            catch (IOException e)
            {
                if (attempt == 20) return $"could not remove the demo folder {root}: {e.Message}";
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Demo folders whose acws (the PID in the name) is no longer running: removed, and their paths returned.</summary>
    public static List<string> RemoveLeftovers()
    {
        var removed = new List<string>();
        string[] candidates;
        try { candidates = Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return removed; }
        foreach (string dir in candidates)
        {
            // Only names CreateFolder makes (acws-demo-20261126-091835-15830) whose PID is not running.
            if (PidOf(Path.GetFileName(dir)) is not { } pid || ServerFolder.IsOtherLiveProcess(pid)) continue;
            // Someone else's folder (another user's acws) cannot be removed: that is theirs to do.
            if (RemoveFolder(dir) is null) removed.Add(dir);
        }
        return removed;
    }

    /// <summary>The PID in a name CreateFolder makes (<c>acws-demo-YYYYMMDD-HHMMSS-PID</c>), or null for any other name.</summary>
    static string? PidOf(string name)
    {
        var parts = name.Split('-');
        bool ours = parts is ["acws", "demo", var date, var time, var pid]
            && date.Length == 8 && time.Length == 6 && pid.Length > 0 && (date + time + pid).All(char.IsAsciiDigit);
        return ours ? parts[4] : null;
    }
}
