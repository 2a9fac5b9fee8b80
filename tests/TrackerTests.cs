using System.Diagnostics;
using System.Text.Json;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// stracker supervision end to end: the real agent, real WebSocket clients, and a stand-in stracker that is a
/// real process (a shell script that prints its arguments and folder, exits on SIGTERM, can ignore it, and
/// crashes when a file named <c>crash</c> appears in its folder).
/// </summary>
public class TrackerTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(20);

    const string Script = """
        #!/bin/sh
        if [ -f ignore-term ]; then trap '' TERM; else trap 'echo "got TERM"; exit 0' TERM; fi
        echo "stand-in stracker args: $*"
        echo "cwd: $(pwd)"
        while :; do
          if [ -f crash ]; then echo "dying"; exit 4; fi
          sleep 0.1
        done
        """;

    /// <summary>Writes the stand-in stracker as <paramref name="relative"/> (under the server folder) and returns its path.</summary>
    internal static string WriteStracker(string root, string relative)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Script.Replace("\r\n", "\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>The original tool's layout: the stand-in stracker and its ini in stracker/ of the server folder.</summary>
    internal static void InstallStracker(string root)
    {
        WriteStracker(root, "stracker/stracker");
        WriteIni(Path.Combine(root, "stracker", "stracker.ini"));
    }

    internal static void WriteIni(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(Fixtures.Real("cfg/germanrcuriel_stracker-V3.5.1_stracker-default.ini"), path);
    }

    static async Task<JsonElement> Status(WsClient ws) => (await ws.AskAsync("tracker status")).Data().GetProperty("tracker");

    static async Task<int> RunningPid(WsClient ws)
    {
        var s = await Status(ws);
        if (!s.GetProperty("running").GetBoolean()) throw new Exception("stracker not running: " + s);
        return s.GetProperty("pid").GetInt32();
    }

    static string[] Logs(string root) =>
        Directory.Exists(Path.Combine(root, "logs/acws")) ? Directory.GetFiles(Path.Combine(root, "logs/acws"), "stracker-*.log") : [];

    static async Task<string> LogContaining(string root, string text)
    {
        var until = DateTime.UtcNow + Slow;
        while (true)
        {
            var log = Logs(root).SingleOrDefault();
            if (log is not null && File.ReadAllText(log).Contains(text)) return File.ReadAllText(log);
            if (DateTime.UtcNow > until) throw new TimeoutException($"no stracker log with '{text}'");
            await Task.Delay(50);
        }
    }

    [Test]
    public async Task Start_status_and_stop_in_the_stracker_folder_with_its_own_ini()
    {
        using var folder = new TempServerFolder();
        InstallStracker(folder.Root);
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);

        var before = await Status(ws);
        await Assert.That(before.ToString()).IsEqualTo("""{"running":false,"pid":null,"since":null,"timestamp":null}""");

        await Assert.That(Frames.IsMsg(await ws.AskAsync("tracker start"), "Stracker started")).IsTrue();
        await other.ReceiveUntilAsync(f => Frames.IsPushedMsg(f, "tracker", "Stracker started"), Slow);
        var status = await Status(ws);
        int pid = status.GetProperty("pid").GetInt32();
        await Assert.That(StandInFolder.ProcessAlive(pid)).IsTrue();
        await Assert.That(DateTime.Parse(status.Str("since"))).IsGreaterThan(DateTime.Now.AddMinutes(-1));
        var info = (await ws.AskAsync("server info")).Data().GetProperty("server").GetProperty("tracker");
        await Assert.That(info.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(info.GetProperty("pid").GetInt32()).IsEqualTo(pid);
        await Assert.That(info.Str("since")).IsEqualTo(status.Str("since"));

        string log = await LogContaining(folder.Root, "cwd: ");
        await Assert.That(Path.GetFileName(Logs(folder.Root).Single())).Matches(@"^stracker-\d{8}-\d{6}\.log$");
        await Assert.That(log).Contains("stand-in stracker args: --stracker_ini stracker.ini\n");
        await Assert.That(log).Contains($"cwd: {folder.PathOf("stracker")}\n");

        await Assert.That(Frames.IsMsg(await ws.AskAsync("tracker stop"), "Stracker server stopped")).IsTrue();
        await Assert.That(await StandInFolder.GoneWithin(pid, Slow)).IsTrue();
        await Assert.That(await LogContaining(folder.Root, "got TERM")).Contains("got TERM");
        await Assert.That((await Status(ws)).GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That((await ws.AskAsync("tracker stop")).ErrorMsg()).IsEqualTo("stracker is not running");
    }

    [Test]
    public async Task In_the_server_folder_it_takes_cfg_stracker_ini()
    {
        using var folder = new TempServerFolder();
        WriteStracker(folder.Root, "stracker");
        WriteIni(folder.Cfg("stracker.ini"));
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("tracker start")).ErrorOrNull()).IsNull();
        string log = await LogContaining(folder.Root, "cwd: ");
        await Assert.That(log).Contains($"stand-in stracker args: --stracker_ini {folder.Cfg("stracker.ini")}\n");
        await Assert.That(log).Contains($"cwd: {folder.Root}\n");
    }

    [Test]
    public async Task The_linux_package_layout_and_the_stracker_option_are_found()
    {
        using var folder = new TempServerFolder();
        string elsewhere = Path.Combine(folder.Root, "tools", "st");
        WriteStracker(elsewhere, "stracker_linux_x86/stracker");
        WriteIni(Path.Combine(elsewhere, "stracker.ini"));
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, Stracker = elsewhere });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("tracker start")).ErrorOrNull()).IsNull();
        string log = await LogContaining(folder.Root, "cwd: ");
        await Assert.That(log).Contains("stand-in stracker args: --stracker_ini stracker.ini\n");
        await Assert.That(log).Contains($"cwd: {elsewhere}\n");
        var env = new Dictionary<string, string> { ["ACWS_STRACKER"] = "/opt/st" };
        await Assert.That(Options.Parse([], k => env.GetValueOrDefault(k)).Stracker).IsEqualTo("/opt/st");
        await Assert.That(Options.Parse(["--stracker", "/x"], k => env.GetValueOrDefault(k)).Stracker).IsEqualTo("/x");
    }

    [Test]
    public async Task A_missing_executable_names_every_place_looked_and_starts_nothing()
    {
        using var folder = new TempServerFolder();
        WriteIni(folder.Cfg("stracker.ini"));
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("tracker start");
        string s = folder.PathOf("stracker");
        await Assert.That(r.ErrorMsg()).IsEqualTo($"stracker not found: looked for {s}/stracker, {s}/stracker_linux_x86/stracker, "
            + $"{folder.Root}/stracker, {folder.Root}/stracker_linux_x86/stracker (pass --stracker PATH); stracker not started");
        await Assert.That(Logs(folder.Root)).IsEmpty();
        await Assert.That((await Status(ws)).GetProperty("running").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task A_missing_ini_names_both_places_and_starts_nothing()
    {
        using var folder = new TempServerFolder();
        WriteStracker(folder.Root, "stracker/stracker");
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("tracker start");
        await Assert.That(r.ErrorMsg()).IsEqualTo($"stracker.ini not found: looked for {folder.PathOf("stracker/stracker.ini")} and {folder.Cfg("stracker.ini")}; stracker not started");
        await Assert.That(Logs(folder.Root)).IsEmpty();
    }

    [Test]
    public async Task A_crash_is_pushed_to_every_client_naming_stracker()
    {
        using var folder = new TempServerFolder();
        InstallStracker(folder.Root);
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("tracker start")).ErrorOrNull()).IsNull();
        int pid = await RunningPid(ws);
        File.WriteAllText(folder.PathOf("stracker/crash"), "");
        foreach (var c in new[] { ws, other })
            await c.ReceiveUntilAsync(f => Frames.IsError(f, "stracker exited unexpectedly (exit code 4)"), Slow);
        await Assert.That(StandInFolder.ProcessAlive(pid)).IsFalse();
        await Assert.That((await Status(ws)).GetProperty("running").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task Restart_gives_a_new_process_and_leaves_no_old_one()
    {
        using var folder = new TempServerFolder();
        InstallStracker(folder.Root);
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        // Restart of a stopped stracker just starts it.
        await Assert.That(Frames.IsMsg(await ws.AskAsync("tracker restart"), "Stracker started")).IsTrue();
        int first = await RunningPid(ws);
        await Assert.That(Frames.IsMsg(await ws.AskAsync("tracker restart"), "Stracker server stopped")).IsTrue();
        var started = await ws.ReceiveUntilAsync(f => !WsClient.IsPush(f), Slow);
        await Assert.That(Frames.IsMsg(started, "Stracker started")).IsTrue();
        int second = await RunningPid(ws);
        await Assert.That(second).IsNotEqualTo(first);
        await Assert.That(StandInFolder.ProcessAlive(first)).IsFalse();
        await Assert.That(Logs(folder.Root).Length).IsEqualTo(2);
    }

    [Test]
    public async Task Two_clients_racing_tracker_start_make_one_process()
    {
        using var folder = new TempServerFolder();
        InstallStracker(folder.Root);
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var a = await WsClient.ConnectAsync(host.Port);
        await using var b = await WsClient.ConnectAsync(host.Port);
        await Task.WhenAll(a.SendAsync("tracker start"), b.SendAsync("tracker start"));
        static bool Answer(JsonElement f) => !WsClient.IsPush(f) && (Frames.IsMsg(f, "Stracker started") || f.IsError());
        var replies = await Task.WhenAll(a.ReceiveUntilAsync(Answer, Slow), b.ReceiveUntilAsync(Answer, Slow));
        await Assert.That(replies.Count(r => !r.IsError())).IsEqualTo(1);
        await Assert.That(replies.Single(r => r.IsError()).ErrorMsg()).StartsWith("stracker is already running (pid ");
        await Assert.That(Logs(folder.Root).Length).IsEqualTo(1);
    }

    [Test]
    public async Task A_stracker_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        using var folder = new TempServerFolder();
        InstallStracker(folder.Root);
        File.WriteAllText(folder.PathOf("stracker/ignore-term"), "");
        var grace = TimeSpan.FromSeconds(2);
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, Timings = new() { StopGrace = grace } });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("tracker start")).ErrorOrNull()).IsNull();
        int pid = await RunningPid(ws);
        // The script sets its trap before its first line: once that is out, SIGTERM is ignored.
        await LogContaining(folder.Root, "cwd: ");
        var watch = Stopwatch.StartNew();
        await Assert.That(Frames.IsMsg(await ws.AskAsync("tracker stop"), "Stracker server stopped")).IsTrue();
        await Assert.That(watch.Elapsed).IsGreaterThanOrEqualTo(grace);
        await Assert.That(StandInFolder.ProcessAlive(pid)).IsFalse();
        await Assert.That(File.ReadAllText(Logs(folder.Root).Single())).DoesNotContain("got TERM");
    }

    [Test]
    public async Task Stopping_acserver_leaves_stracker_running()
    {
        using var folder = new StandInFolder();
        InstallStracker(folder.Root);
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("tracker start")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        int pid = await RunningPid(ws);
        await Assert.That(Frames.IsMsg(await ws.AskAsync("server stop"), "Assetto Corsa server stopped")).IsTrue();
        await Assert.That(await RunningPid(ws)).IsEqualTo(pid);
        await Assert.That(StandInFolder.ProcessAlive(pid)).IsTrue();
        await ws.AskAsync("tracker stop");
    }

    [Test]
    [Arguments("shutdown")]
    [Arguments("TERM")]
    public async Task Neither_stracker_nor_acserver_outlives_acws(string how)
    {
        using var folder = new StandInFolder();
        InstallStracker(folder.Root);
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That((await ws.AskAsync("tracker start")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        int stracker = await RunningPid(ws);
        int acServer = (await ws.AskAsync("server status")).Data().GetProperty("server").GetProperty("pid").GetInt32();
        if (how == "shutdown") await ws.SendAsync("shutdown now");
        else using (var kill = Process.Start("kill", ["-" + how, agent.Process.Id.ToString()])) await kill.WaitForExitAsync();
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(0);
        await Assert.That(await StandInFolder.GoneWithin(stracker, Slow)).IsTrue();
        await Assert.That(await StandInFolder.GoneWithin(acServer, Slow)).IsTrue();
        await Assert.That(File.ReadAllText(Logs(folder.Root).Single())).Contains("got TERM");
    }

    [Test]
    public async Task Help_lists_the_tracker_and_lobby_commands()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var commands = (await ws.AskAsync("help")).Data().GetProperty("commands");
        foreach (var c in new[] { "tracker start", "tracker stop", "tracker restart", "tracker status", "lobby info", "lobby restart" })
            await Assert.That(commands.TryGetProperty(c, out _)).IsTrue();
    }
}
