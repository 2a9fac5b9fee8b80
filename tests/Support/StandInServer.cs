using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace AcWs.Tests.Support;

/// <summary>
/// A server folder whose <c>acServer</c> is the stand-in (a real separate process: a shell script that
/// runs <c>acws --stand-in-acserver</c>), with acServer's ports moved to free ones so tests can run side by side.
/// </summary>
public sealed class StandInFolder : IDisposable
{
    readonly TempServerFolder folder;

    public StandInFolder(string serverCfg = "samuelorenzo_server_cfg.ini", string entryList = "samuelorenzo_entry_list.ini", bool withExecutable = true)
    {
        folder = new TempServerFolder(serverCfg, entryList);
        var ini = Ini.IniDocument.Load(folder.Cfg("server_cfg.ini"), "server_cfg.ini");
        TcpPort = FreePort();
        HttpPort = FreePort();
        ini.Set("SERVER", "TCP_PORT", TcpPort.ToString());
        ini.Set("SERVER", "UDP_PORT", TcpPort.ToString());
        ini.Set("SERVER", "HTTP_PORT", HttpPort.ToString());
        File.WriteAllBytes(folder.Cfg("server_cfg.ini"), ini.ToBytes());
        if (withExecutable) WriteScript("acServer", $"exec dotnet \"{AgentProcess.AgentDll}\" --stand-in-acserver \"$@\"");
    }

    /// <summary>A stand-in acServer folder holding the --demo files (barbagallo, 9 slots, one race) on free ports.</summary>
    public static StandInFolder WithDemoFiles()
    {
        var f = new StandInFolder();
        var ports = Ini.IniDocument.Load(f.Cfg("server_cfg.ini"), "server_cfg.ini");
        var assembly = typeof(AcWs.Demo.DemoFolder).Assembly;
        foreach (var name in new[] { "cfg/server_cfg.ini", "cfg/entry_list.ini", "results/2019_2_15_21_16_RACE.json" })
        {
            using var source = assembly.GetManifestResourceStream("demo/" + name)!;
            using var target = File.Create(f.PathOf(name));
            source.CopyTo(target);
        }
        var cfg = Ini.IniDocument.Load(f.Cfg("server_cfg.ini"), "server_cfg.ini");
        foreach (var key in new[] { "TCP_PORT", "UDP_PORT", "HTTP_PORT" }) cfg.Set("SERVER", key, ports.Get("SERVER", key)!);
        File.WriteAllBytes(f.Cfg("server_cfg.ini"), cfg.ToBytes());
        f.UsePluginPorts(FreePort(), FreePort());
        return f;
    }

    /// <summary>Sets the UDP plugin keys: acServer listens on <paramref name="local"/>, sends events to 127.0.0.1:<paramref name="events"/>.</summary>
    public void UsePluginPorts(int local, int events)
    {
        var cfg = Ini.IniDocument.Load(Cfg("server_cfg.ini"), "server_cfg.ini");
        cfg.Set("SERVER", "UDP_PLUGIN_LOCAL_PORT", local.ToString());
        cfg.Set("SERVER", "UDP_PLUGIN_ADDRESS", $"127.0.0.1:{events}");
        File.WriteAllBytes(Cfg("server_cfg.ini"), cfg.ToBytes());
    }

    public string Root => folder.Root;
    public int TcpPort { get; }
    public int HttpPort { get; }
    public string Cfg(string name) => folder.Cfg(name);
    public string PathOf(string relative) => folder.PathOf(relative);

    /// <summary>Writes an executable shell script into the folder and returns its path.</summary>
    public string WriteScript(string name, string body)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Cues the stand-in (see StandIn/AcServerStandIn.cs for the commands).</summary>
    public void Cue(string command) => File.AppendAllText(Path.Combine(Root, "standin.control"), command + "\n");

    public string[] Logs(string prefix = "acServer-") =>
        Directory.Exists(PathOf("logs/acws")) ? Directory.GetFiles(PathOf("logs/acws"), prefix + "*.log") : [];

    /// <summary>Waits until the (single) acServer log holds <paramref name="text"/>.</summary>
    public async Task LogContainsAsync(string text, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!Logs().Any(l => File.ReadAllText(l).Contains(text)))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"no acServer log with '{text}'");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// A loopback port free for TCP and UDP, below the kernel's ephemeral range (32768 and up on Linux), and never
    /// handed out twice by this test run. A port the kernel picked for "port 0" would be free again once released,
    /// and a parallel test's listener or client socket could be given it before its stand-in server used it.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            int port = ReservedBase + Interlocked.Increment(ref reserved) % ReservedSpan;
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) { /* taken by someone else: the next one */ }
        }
    }

    const int ReservedBase = 20000, ReservedSpan = 12000;
    static int reserved = Random.Shared.Next(ReservedSpan);

    /// <summary>The text of a file some child writes (by a rename, so whole), once it is there.</summary>
    public static async Task<string> ReadWhenThereAsync(string path, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{path} was not written");
            await Task.Delay(50);
        }
        return File.ReadAllText(path);
    }

    public static bool ProcessAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z");

    /// <summary>Live processes whose working directory is <paramref name="dir"/> (children acws started there).</summary>
    public static int[] ProcessesIn(string dir)
    {
        var found = new List<int>();
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid)) continue;
            try
            {
                var cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).ResolveLinkTarget(false)?.FullName;
                if (cwd == dir && ProcessAlive(pid)) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return [.. found];
    }

    /// <summary>Waits (up to <paramref name="limit"/>) until no live process runs in <paramref name="dir"/>; returns those left.</summary>
    public static async Task<int[]> LeftIn(string dir, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        int[] left;
        while ((left = ProcessesIn(dir)).Length > 0 && DateTime.UtcNow < until) await Task.Delay(50);
        return left;
    }

    public static async Task<bool> GoneWithin(int pid, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (ProcessAlive(pid)) { if (DateTime.UtcNow > until) return false; await Task.Delay(50); }
        return true;
    }

    public void Dispose() => folder.Dispose();
}

/// <summary>Starts the stand-in acServer for an agent built in a test, and stops it on dispose.</summary>
public sealed class RunningStandIn : IAsyncDisposable
{
    readonly Agent agent;
    RunningStandIn(Agent agent) { this.agent = agent; }

    public static async Task<RunningStandIn> StartAsync(Agent agent)
    {
        string root = agent.Rooms.Folder.Root;
        string script = Path.Combine(root, "acServer");
        File.WriteAllText(script, $"#!/bin/sh\nexec dotnet \"{AgentProcess.AgentDll}\" --stand-in-acserver \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string entryList = Path.Combine(root, "cfg", "entry_list.ini");
        if (!File.Exists(entryList)) File.Copy(Fixtures.Real("cfg/samuelorenzo_entry_list.ini"), entryList);
        if (await agent.Rooms.Server.Child.StartAsync() is { } error) throw new Exception("stand-in did not start: " + error);
        return new RunningStandIn(agent);
    }

    public async ValueTask DisposeAsync() => await agent.Rooms.Server.Child.StopAsync();
}

public static class Frames
{
    /// <summary>Another client's change, pushed as a copy of its reply: <c>{"data":{"msg":…,"event":true,"topic":…}}</c>.</summary>
    public static bool IsPushedMsg(JsonElement f, string topic, string msg) =>
        WsClient.TopicOf(f) == topic && f.Data().TryGetProperty("msg", out var m) && m.GetString() == msg;
    public static bool IsServerEvent(JsonElement f, string msg) =>
        f.TryGetProperty("data", out var d) && d.TryGetProperty("server", out var s) && s.TryGetProperty("event", out var e)
        && e.GetProperty("msg").GetString() == msg;
    public static bool IsDriverEvent(JsonElement f, string msg) =>
        f.TryGetProperty("data", out var d) && d.TryGetProperty("driver", out var dr) && dr.GetProperty("msg").GetString() == msg;
    public static bool IsSessionEvent(JsonElement f) =>
        f.TryGetProperty("data", out var d) && d.TryGetProperty("session", out _);
    public static bool IsError(JsonElement f, string contains) =>
        f.TryGetProperty("error", out var e) && e.GetProperty("msg").GetString()!.Contains(contains);
    public static bool IsMsg(JsonElement f, string msg) =>
        f.TryGetProperty("data", out var d) && d.TryGetProperty("msg", out var m) && m.GetString() == msg;
}
