using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>acServer supervision end to end: the real agent, a real WebSocket client, the stand-in acServer as a real process.</summary>
public class AcServerTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(20);

    static async Task<int> StartedPid(WsClient ws)
    {
        var status = (await ws.AskAsync("server status")).Data().GetProperty("server");
        if (!status.GetProperty("running").GetBoolean()) throw new Exception("not running: " + status);
        return status.GetProperty("pid").GetInt32();
    }

    [Test]
    public async Task Start_runs_the_child_logs_its_lines_and_pushes_the_startup_event()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var admin = await WsClient.ConnectAsync(host.Port);
        await using var watcher = await WsClient.ConnectAsync(host.Port);

        var started = await admin.AskAsync("server start");
        await Assert.That(Frames.IsMsg(started, "Assetto Corsa server started")).IsTrue();

        // The other client hears about it (a copy of the reply), then both get acServer's own startup event.
        await watcher.ReceiveUntilAsync(f => Frames.IsPushedMsg(f, "server", "Assetto Corsa server started"), Slow);
        var startup = (await watcher.ReceiveUntilAsync(f => Frames.IsServerEvent(f, "Assetto Corsa Dedicated Server starting"), Slow))
            .Data().GetProperty("server").GetProperty("event");
        await Assert.That(startup.Str("version")).IsEqualTo("v1.15");
        await Assert.That(startup.Str("track")).IsEqualTo("magione");
        await Assert.That(startup.GetProperty("cars")[0].GetString()).IsEqualTo("bmw_m3_e30");
        await Assert.That(startup.Str("timestamp")).Matches(@"^\d{4}-\d{2}-\d{2} ");

        int pid = await StartedPid(admin);
        await Assert.That(StandInFolder.ProcessAlive(pid)).IsTrue();
        var info = (await admin.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(info.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(info.GetProperty("pid").GetInt32()).IsEqualTo(pid);
        await Assert.That(info.Str("version")).IsEqualTo("v1.15");

        var log = folder.Logs().Single();
        await Assert.That(Path.GetFileName(log)).Matches(@"^acServer-\d{8}-\d{6}\.log$");
        string stamp = Path.GetFileNameWithoutExtension(log)["acServer-".Length..];
        await Assert.That(File.ReadAllBytes(folder.PathOf($"logs/acws/server_cfg-{stamp}.ini")).SequenceEqual(File.ReadAllBytes(folder.Cfg("server_cfg.ini")))).IsTrue();
        await Assert.That(File.Exists(folder.PathOf($"logs/acws/entry_list-{stamp}.ini"))).IsTrue();

        await Assert.That((await admin.AskAsync("server stop")).Data().Str("msg")).IsEqualTo("Assetto Corsa server stopped");
        await Assert.That(await StandInFolder.GoneWithin(pid, Slow)).IsTrue();
        await Assert.That(File.ReadAllText(log)).Contains("CARS=[\"bmw_m3_e30\"]");
        await Assert.That(File.ReadAllText(log)).Contains("Server shutting down (SIGTERM)");
        var after = (await admin.AskAsync("server status")).Data().GetProperty("server");
        await Assert.That(after.GetProperty("running").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task Start_refuses_without_the_executable_and_names_it()
    {
        using var folder = new StandInFolder(withExecutable: false);
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("server start");
        await Assert.That(r.ErrorMsg()).IsEqualTo($"acServer (or AssettoServer) not found in {folder.Root} (copy acws next to it, or pass --acserver PATH)");
        await Assert.That(folder.Logs()).IsEmpty();
    }

    [Test]
    public async Task Start_refuses_a_malformed_entry_list_and_names_it()
    {
        using var folder = new StandInFolder();
        File.AppendAllText(folder.Cfg("entry_list.ini"), "\r\n[CAR_22\r\nMODEL=x\r\n");
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("server start");
        await Assert.That(r.ErrorMsg()).StartsWith("cfg/entry_list.ini line ");
        await Assert.That(r.ErrorMsg()).EndsWith("; Assetto Corsa server not started");
        await Assert.That((await ws.AskAsync("server status")).Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task A_child_that_dies_at_once_is_a_failed_start_with_no_process_left()
    {
        using var folder = new StandInFolder(withExecutable: false);
        folder.WriteScript("acServer", "echo 'ERROR: cannot bind port'; exit 7");
        // A window that a loaded machine cannot outlast: this test is about the reply, not the window.
        var timings = new Timings { EarlyExitWindow = TimeSpan.FromSeconds(10) };
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, Timings = timings });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("server start");
        await Assert.That(r.ErrorMsg()).StartsWith("Assetto Corsa server exited right after starting (exit code 7); see logs/acws/acServer-");
        await Assert.That(File.ReadAllText(folder.Logs().Single())).Contains("ERROR: cannot bind port");
        await Assert.That(host.Agent.Rooms.Server.Child.IsRunning).IsFalse();
        // A failed start is the reply, not also a pushed crash.
        await ws.SendAsync("server status");
        var next = await ws.ReceiveAsync();
        await Assert.That(next.Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task Start_twice_and_stop_when_stopped_are_clear_errors()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server stop")).ErrorMsg()).IsEqualTo("Assetto Corsa server is not running");
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        int pid = await StartedPid(ws);
        var again = await ws.AskAsync("server start");
        await Assert.That(again.ErrorMsg()).IsEqualTo($"Assetto Corsa server is already running (pid {pid})");
    }

    [Test]
    public async Task Two_clients_racing_server_start_make_one_child()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var a = await WsClient.ConnectAsync(host.Port);
        await using var b = await WsClient.ConnectAsync(host.Port);
        await Task.WhenAll(a.SendAsync("server start"), b.SendAsync("server start"));
        static bool Answer(JsonElement f) => !WsClient.IsPush(f) && (Frames.IsMsg(f, "Assetto Corsa server started") || f.IsError());
        var replies = await Task.WhenAll(a.ReceiveUntilAsync(Answer, Slow), b.ReceiveUntilAsync(Answer, Slow));
        await Assert.That(replies.Count(r => !r.IsError())).IsEqualTo(1);
        await Assert.That(replies.Single(r => r.IsError()).ErrorMsg()).StartsWith("Assetto Corsa server is already running (pid ");
        await Assert.That(folder.Logs().Length).IsEqualTo(1);
    }

    [Test]
    public async Task Restart_replies_once_per_step_with_a_new_child()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        int first = await StartedPid(ws);
        var stopped = await ws.AskAsync("server restart");
        await Assert.That(Frames.IsMsg(stopped, "Assetto Corsa server stopped")).IsTrue();
        // "more": another reply to the same command follows; the last step has none.
        await Assert.That(stopped.GetProperty("more").GetBoolean()).IsTrue();
        var started = await ws.ReceiveUntilAsync(f => !WsClient.IsPush(f), Slow);
        await Assert.That(Frames.IsMsg(started, "Assetto Corsa server started")).IsTrue();
        await Assert.That(started.TryGetProperty("more", out _)).IsFalse();
        int second = await StartedPid(ws);
        await Assert.That(second).IsNotEqualTo(first);
        await Assert.That(StandInFolder.ProcessAlive(first)).IsFalse();
        // Restart of a stopped server just starts it.
        await ws.AskAsync("server stop");
        var only = await ws.AskAsync("server restart");
        await Assert.That(Frames.IsMsg(only, "Assetto Corsa server started")).IsTrue();
    }

    [Test]
    public async Task A_child_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        using var folder = new StandInFolder();
        var grace = TimeSpan.FromSeconds(2);
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, Timings = new() { StopGrace = grace } });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        int pid = await StartedPid(ws);
        folder.Cue("ignore-sigterm");
        folder.Cue("say now ignoring SIGTERM");
        await folder.LogContainsAsync("now ignoring SIGTERM", Slow);
        var watch = Stopwatch.StartNew();
        var r = await ws.AskAsync("server stop");
        await Assert.That(Frames.IsMsg(r, "Assetto Corsa server stopped")).IsTrue();
        await Assert.That(watch.Elapsed).IsGreaterThanOrEqualTo(grace);
        await Assert.That(StandInFolder.ProcessAlive(pid)).IsFalse();
        await Assert.That(StandInFolder.ProcessesIn(folder.Root)).IsEmpty();
        await Assert.That(File.ReadAllText(folder.Logs().Single())).DoesNotContain("Server shutting down (SIGTERM)");
    }

    [Test]
    public async Task A_crash_is_pushed_to_every_client_and_clears_the_state()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        folder.Cue("join 76561198005431407");
        folder.Cue("exit 3");
        foreach (var c in new[] { ws, other })
        {
            var pushed = await c.ReceiveUntilAsync(f => Frames.IsError(f, "Assetto Corsa server exited unexpectedly (exit code 3)"), Slow);
            // Marked as an event, so a client can tell it from the reply to its own command.
            await Assert.That(pushed.GetProperty("error").GetProperty("event").GetBoolean()).IsTrue();
        }
        var status = (await ws.AskAsync("server status")).Data().GetProperty("server");
        await Assert.That(status.GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That((await ws.AskAsync("server drivers")).Data().GetProperty("drivers").EnumerateObject().Count()).IsEqualTo(0);
    }

    [Test]
    public async Task Restart_on_crash_brings_it_back()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, RestartOnCrash = true });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        int first = await StartedPid(ws);
        // The control file is read from its start by each new child: empty it after the crash cue is taken.
        folder.Cue("exit 9");
        await ws.ReceiveUntilAsync(f => Frames.IsError(f, "exit code 9"), Slow);
        File.WriteAllText(folder.PathOf("standin.control"), "");
        var restarted = await ws.ReceiveUntilAsync(f => Frames.IsPushedMsg(f, "server", "Assetto Corsa server started"), Slow);
        await Assert.That(restarted.Data().Str("note")).Contains("restarted after a crash");
        int second = await StartedPid(ws);
        await Assert.That(second).IsNotEqualTo(first);
    }

    /// <summary>A stop takes everyone off the server: other clients hear a "leaving" for each, in join order.</summary>
    [Test]
    public async Task A_stop_pushes_a_leaving_for_each_driver_still_on()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var admin = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await admin.AskAsync("server start")).ErrorOrNull()).IsNull();
        folder.Cue("join CAR_0");
        folder.Cue("join CAR_1");
        var first = (await other.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), Slow)).Data().GetProperty("driver").Str("name");
        var second = (await other.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), Slow)).Data().GetProperty("driver").Str("name");
        await Assert.That(Frames.IsMsg(await admin.AskAsync("server stop"), "Assetto Corsa server stopped")).IsTrue();
        var left = new List<string>();
        while (left.Count < 2)
            left.Add((await other.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "leaving"), Slow)).Data().GetProperty("driver").Str("name"));
        await Assert.That(left).IsEquivalentTo([first, second], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That((await other.AskAsync("server drivers")).Data().GetProperty("drivers").EnumerateObject().Count()).IsEqualTo(0);
    }

    [Test]
    public async Task Drivers_joining_and_leaving_are_pushed_and_listed()
    {
        using var folder = new StandInFolder(entryList: "justapenguin-pr491_entry_list.ini");
        // Give slot 0 a driver with ballast, so the join picks it from the entry list.
        File.WriteAllText(folder.Cfg("entry_list.ini"),
            "[CAR_0]\nMODEL=bmw_m3_e30\nSKIN=red\nSPECTATOR_MODE=0\nDRIVERNAME=Mark Hannon\nTEAM=Hannon Racing\nGUID=76561198005431407\nBALLAST=25\nRESTRICTOR=10\n\n" +
            "[CAR_1]\nMODEL=bmw_m3_e30\nSKIN=blue\nSPECTATOR_MODE=0\nDRIVERNAME=Boof Head\nTEAM=\nGUID=123456768\nBALLAST=0\nRESTRICTOR=0\n");
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("server drivers")).Data().GetProperty("drivers").EnumerateObject().Count()).IsEqualTo(0);

        folder.Cue("join 76561198005431407");
        var join = (await other.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), Slow)).Data().GetProperty("driver");
        await Assert.That(join.Str("name")).IsEqualTo("Mark Hannon");
        await Assert.That(join.Str("host")).IsEqualTo("127.0.0.1");
        await Assert.That(join.GetProperty("port").ValueKind).IsEqualTo(JsonValueKind.Number);
        await Assert.That(join.Str("car")).IsEqualTo("bmw_m3_e30");
        await Assert.That(join.Str("guid")).IsEqualTo("76561198005431407");
        await Assert.That(join.Str("team")).IsEqualTo("Hannon Racing");
        await Assert.That(join.GetProperty("slot").GetInt32()).IsEqualTo(0);
        await Assert.That(join.GetProperty("ballast").GetInt32()).IsEqualTo(25);
        await Assert.That(join.GetProperty("restrictor").GetInt32()).IsEqualTo(10);

        folder.Cue("join Boof Head");
        await other.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining") && f.Data().GetProperty("driver").Str("name") == "Boof Head", Slow);
        var drivers = (await other.AskAsync("server drivers")).Data().GetProperty("drivers");
        await Assert.That(string.Join(",", drivers.EnumerateObject().Select(p => p.Name))).IsEqualTo("Mark Hannon,Boof Head");
        await Assert.That(drivers.GetProperty("Boof Head").GetProperty("slot").GetInt32()).IsEqualTo(1);
        var info = (await other.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(info.GetProperty("drivers_connected").GetInt32()).IsEqualTo(2);

        folder.Cue("leave Mark Hannon");
        var leave = (await other.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "leaving"), Slow)).Data().GetProperty("driver");
        await Assert.That(leave.Str("name")).IsEqualTo("Mark Hannon");
        await Assert.That(leave.Str("guid")).IsEqualTo("76561198005431407");
        // Someone who joined before acws started leaves quietly.
        folder.Cue("say Clean exit, driver disconnected:  Nobody We Know []");
        // Lines are read in order: once the next join is heard of, the line before it has been taken in.
        folder.Cue("join 76561198005431407");
        await other.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining") && f.Data().GetProperty("driver").Str("name") == "Mark Hannon", Slow);
        drivers = (await other.AskAsync("server drivers")).Data().GetProperty("drivers");
        await Assert.That(string.Join(",", drivers.EnumerateObject().Select(p => p.Name))).IsEqualTo("Boof Head,Mark Hannon");
    }

    [Test]
    public async Task A_session_change_is_pushed_and_marked_active()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        var first = (await ws.ReceiveUntilAsync(Frames.IsSessionEvent, Slow)).Data().GetProperty("session").GetProperty("event");
        await Assert.That(first.Str("type")).IsEqualTo("Practice");
        folder.Cue("session qualify");
        var q = (await ws.ReceiveUntilAsync(Frames.IsSessionEvent, Slow)).Data().GetProperty("session").GetProperty("event");
        await Assert.That(q.Str("type")).IsEqualTo("Qualify");
        await Assert.That(q.GetProperty("time").GetInt32()).IsEqualTo(10);
        await Assert.That(q.GetProperty("laps").GetInt32()).IsEqualTo(0);
        await Assert.That(q.Str("msg")).IsEqualTo("Qualify session starting");
        await Assert.That(q.GetProperty("active").GetBoolean()).IsTrue();
        var sessions = (await ws.AskAsync("server sessions")).Data().GetProperty("sessions");
        await Assert.That(sessions.GetProperty("Qualify").GetProperty("active").GetBoolean()).IsTrue();
        await Assert.That(sessions.GetProperty("Practice").GetProperty("active").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task A_very_long_line_is_cut_and_the_agent_carries_on()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        folder.Cue("say " + new string('x', 100_000));
        folder.Cue("join CAR_1");
        await ws.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), Slow);
        var log = File.ReadAllLines(folder.Logs().Single());
        int at = Array.FindIndex(log, l => l.StartsWith("xxxx"));
        await Assert.That(log.Count(l => l.StartsWith("xxxx"))).IsEqualTo(1);
        await Assert.That(log[at].Length).IsLessThan(9000);
        await Assert.That(log[at]).EndsWith("[line cut by acws]");
        // The rest of the cut line is dropped whole: no empty line after it.
        await Assert.That(log[at + 1]).IsNotEmpty();
    }

    [Test]
    public async Task An_acserver_already_on_the_ports_is_reported_and_not_doubled()
    {
        using var folder = new StandInFolder();
        using var foreign = new TcpListener(IPAddress.Loopback, folder.TcpPort);
        foreign.Start();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await Assert.That(agent.StdOut).Contains($"(an Assetto Corsa server that acws did not start is already running (TCP_PORT {folder.TcpPort} is in use); stop it first)");
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").GetProperty("foreign_process").GetBoolean()).IsTrue();
        await Assert.That((await ws.AskAsync("server start")).ErrorMsg()).Contains("did not start is already running");
        foreign.Stop();
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").GetProperty("foreign_process").GetBoolean()).IsFalse();
    }

    [Test]
    [Arguments("shutdown")]
    [Arguments("TERM")]
    [Arguments("INT")]
    public async Task No_acserver_outlives_acws(string how)
    {
        using var folder = new StandInFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        int pid = await StartedPid(ws);
        if (how == "shutdown") await ws.SendAsync("shutdown now");
        else using (var kill = Process.Start("kill", ["-" + how, agent.Process.Id.ToString()])) await kill.WaitForExitAsync();
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(0);
        await Assert.That(await StandInFolder.GoneWithin(pid, Slow)).IsTrue();
    }

    [Test]
    public async Task A_start_racing_shutdown_leaves_no_acserver_behind()
    {
        using var folder = new StandInFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var a = await WsClient.ConnectAsync(agent.Port);
        await using var b = await WsClient.ConnectAsync(agent.Port);
        await Task.WhenAll(a.SendAsync("shutdown now"), b.SendAsync("server start"), b.SendAsync("server start"));
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(0);
        await Assert.That(await StandInFolder.LeftIn(folder.Root, Slow)).IsEmpty();
        // A connection attempt after the shutdown began is refused, not served.
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => WsClient.ConnectAsync(agent.Port));
    }

    [Test]
    public async Task Stop_cancels_a_restart_scheduled_after_a_crash()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, RestartOnCrash = true });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        folder.Cue("exit 4");
        await ws.ReceiveUntilAsync(f => Frames.IsError(f, "exit code 4"), Slow);
        File.WriteAllText(folder.PathOf("standin.control"), "");
        var stop = await ws.AskAsync("server stop");
        await Assert.That(stop.Data().Str("msg")).IsEqualTo("Assetto Corsa server is not running; the restart scheduled after its crash is cancelled");
        await host.LogWhenAsync(log => log.Contains("restart after the crash cancelled"));
        await Assert.That((await ws.AskAsync("server status")).Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(folder.Logs().Length).IsEqualTo(1);
    }
}
