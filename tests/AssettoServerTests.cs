using System.Text.Json;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// AssettoServer supervised end to end: the real agent, a real WebSocket client, and the stand-in as AssettoServer
/// (a real process that prints the real AssettoServer logs' lines), found as <c>AssettoServer</c> in the folder.
/// </summary>
public class AssettoServerTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);

    /// <summary>A stand-in folder with no acServer, only an AssettoServer (the stand-in with <paramref name="flags"/>).</summary>
    static StandInFolder AssettoFolder(string flags = "")
    {
        var folder = new StandInFolder(withExecutable: false);
        folder.WriteScript("AssettoServer", $"exec dotnet \"{AgentProcess.AgentDll}\" --stand-in-acserver --assettoserver {flags} \"$@\"");
        return folder;
    }

    static bool IsLap(JsonElement f) => WsClient.TopicOf(f) == "lap";

    [Test]
    public async Task The_connect_lap_leave_replay_gives_events_drivers_kind_and_version()
    {
        using var folder = AssettoFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var admin = await WsClient.ConnectAsync(host.Port);
        await using var watcher = await WsClient.ConnectAsync(host.Port);

        await Assert.That(Frames.IsMsg(await admin.AskAsync("server start"), "Assetto Corsa server started")).IsTrue();
        var startup = (await watcher.ReceiveUntilAsync(f => Frames.IsServerEvent(f, "AssettoServer starting"), Slow)).Data().GetProperty("server").GetProperty("event");
        await Assert.That(startup.Str("version")).IsEqualTo("0.0.0-alpha.0");
        var session = (await watcher.ReceiveUntilAsync(Frames.IsSessionEvent, Slow)).Data().GetProperty("session").GetProperty("event");
        await Assert.That((session.Str("type"), session.GetProperty("time").GetInt32())).IsEqualTo(("Practice", 10));

        var info = (await admin.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That((info.Str("kind"), info.Str("version"))).IsEqualTo(("AssettoServer", "0.0.0-alpha.0"));

        folder.Cue("join CAR_0");
        var joined = (await watcher.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), Slow)).Data().GetProperty("driver");
        string name = joined.Str("name");
        await Assert.That((joined.Str("guid"), joined.Str("car"), joined.GetProperty("slot").GetInt32(), joined.Str("host")))
            .IsEqualTo(("76561198000000000", "bmw_m3_e30", 0, "127.0.0.1"));
        await Assert.That(name).IsEqualTo("CAR_0");
        var drivers = (await admin.AskAsync("server drivers")).Data().GetProperty("drivers");
        await Assert.That(drivers.GetProperty(name).GetProperty("port").GetInt32()).IsEqualTo(joined.GetProperty("port").GetInt32());

        folder.Cue($"lap {name} 01:35.1230 2");
        var l = (await watcher.ReceiveUntilAsync(IsLap, Slow)).Data().GetProperty("lap");
        await Assert.That((l.Str("name"), l.GetProperty("time_ms").GetInt32(), l.Str("time"), l.GetProperty("cuts").GetInt32())).IsEqualTo((name, 95123, "01:35.123", 2));

        folder.Cue($"leave {name}");
        await watcher.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "leaving"), Slow);
        await Assert.That((await admin.AskAsync("server drivers")).Data().GetProperty("drivers").EnumerateObject().Count()).IsEqualTo(0);

        await Assert.That((await admin.AskAsync("server stop")).Data().Str("msg")).IsEqualTo("Assetto Corsa server stopped");
        await Assert.That(File.ReadAllText(folder.Logs().Single())).Contains("INF] Server shutting down");
        await Assert.That((await admin.AskAsync("server info")).Data().GetProperty("server").GetProperty("kind").ValueKind).IsEqualTo(JsonValueKind.Null);
    }

    [Test]
    public async Task The_original_client_goes_through_joins_laps_and_leaves_without_an_exception()
    {
        using var folder = AssettoFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var client = await OriginalClient.ConnectAsync(host.Port, "A");
        await client.ToggleGameAsync();
        await Assert.That(client.IsStarted).IsTrue();
        folder.Cue("join CAR_0");
        await client.WatchUntilAsync(c => c.Drivers.Count == 1, "the driver");
        // Two laps: were a lap a driver event, the original would take the first for a leave and raise on the second.
        folder.Cue("lap CAR_0 01:35.1230 0");
        folder.Cue("lap CAR_0 01:34.0000 1");
        folder.Cue("join CAR_1");
        await client.WatchUntilAsync(c => c.Drivers.Count == 2, "a second driver after the laps");
        folder.Cue("leave CAR_0");
        await client.WatchUntilAsync(c => c.Drivers.Count == 1, "the first driver gone");
    }

    [Test]
    public async Task A_fatal_start_is_one_error_reply_with_the_FTL_message_then_stopped_and_no_orphan()
    {
        // Default timings: the replay takes about 2 s, well past the early-exit window, as a real AssettoServer does.
        using var folder = AssettoFolder("--fatal");
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var admin = await WsClient.ConnectAsync(host.Port);
        await using var watcher = await WsClient.ConnectAsync(host.Port);

        await admin.SendAsync("server start");
        var reply = await admin.ReceiveAsync(Slow);
        await Assert.That(reply.ErrorMsg()).StartsWith("Assetto Corsa server failed to start: AssettoServer.Server.Configuration.ConfigurationException: "
            + "No data.acd found for abarth500. This will allow players to cheat using modified data.");
        await Assert.That(reply.ErrorMsg()).Contains("(exit code 0); see logs/acws/acServer-");

        // Nothing else came before the next reply: no "started", no "exited unexpectedly".
        await admin.SendAsync("server status");
        var status = await admin.ReceiveAsync(Slow);
        await Assert.That(status.Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(await StandInFolder.LeftIn(folder.Root, Slow)).IsEmpty();
        await watcher.SendAsync("server status");
        var seen = await watcher.ReceiveAsync(Slow);
        await Assert.That(WsClient.IsPush(seen)).IsFalse();
    }

    [Test]
    public async Task An_AssettoServer_that_lingers_after_its_fatal_error_is_stopped_at_the_end_of_the_start_window()
    {
        using var folder = new StandInFolder(withExecutable: false);
        folder.WriteScript("AssettoServer", "echo '[07:28:41 INF] AssettoServer 0.0.0-alpha.0'; echo '[07:28:43 FTL] Fatal exception occurred'; "
            + "echo 'System.Exception: stuck'; exec sleep 60");
        // Long enough for the script's lines to arrive on a loaded machine; the test lasts this long.
        var options = new Options { Dir = folder.Root, Port = 0, Timings = new Timings { StartWindow = TimeSpan.FromSeconds(4) } };
        await using var host = await AgentHost.StartAsync(options);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var reply = await ws.AskAsync("server start", Slow);
        await Assert.That(reply.ErrorOrNull()).StartsWith("Assetto Corsa server failed to start: System.Exception: stuck (exit code ");
        await Assert.That(await StandInFolder.LeftIn(folder.Root, Slow)).IsEmpty();
        await Assert.That((await ws.AskAsync("server status")).Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
    }

    [Test]
    public async Task A_fatal_error_after_the_start_is_named_in_the_crash_report()
    {
        using var folder = AssettoFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That(Frames.IsMsg(await ws.AskAsync("server start"), "Assetto Corsa server started")).IsTrue();
        folder.Cue("say [07:30:00 FTL] Fatal exception occurred");
        folder.Cue("say System.InvalidOperationException: boom");
        folder.Cue("exit 0");
        var crash = await ws.ReceiveUntilAsync(f => Frames.IsError(f, "exited unexpectedly"), Slow);
        await Assert.That(crash.ErrorMsg()).IsEqualTo("Assetto Corsa server exited unexpectedly (exit code 0): System.InvalidOperationException: boom");
        await ws.ReceiveUntilAsync(f => Frames.IsPushedMsg(f, "server", "Assetto Corsa server stopped"), Slow);
    }

    [Test]
    public async Task An_AssettoServer_that_never_says_it_is_up_is_reported_started_at_the_end_of_the_start_window()
    {
        using var folder = new StandInFolder(withExecutable: false);
        folder.WriteScript("AssettoServer", "echo '[07:28:41 INF] AssettoServer 0.0.0-alpha.0'; exec sleep 60");
        var window = TimeSpan.FromSeconds(2);
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, Timings = new Timings { StartWindow = window } });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.That(Frames.IsMsg(await ws.AskAsync("server start", Slow), "Assetto Corsa server started")).IsTrue();
        await Assert.That(clock.Elapsed).IsGreaterThanOrEqualTo(window - TimeSpan.FromMilliseconds(100));
        await ws.AskAsync("server stop");
    }

    [Test]
    public async Task An_acServer_panic_before_exit_is_the_reason_of_its_failed_start()
    {
        using var folder = new StandInFolder(withExecutable: false);
        folder.WriteScript("acServer", "echo 'Assetto Corsa Dedicated Server v1.15'; echo 'panic: open content/tracks/magione: no such file'; exit 2");
        // A loaded machine may take longer than the default window just to start the guard and the script.
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, Timings = new Timings { EarlyExitWindow = TimeSpan.FromSeconds(30) } });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var reply = await ws.AskAsync("server start", Slow);
        await Assert.That(reply.ErrorMsg()).StartsWith("Assetto Corsa server failed to start: panic: open content/tracks/magione: no such file (exit code 2); see logs/acws/acServer-");
    }

    [Test]
    public async Task Server_info_says_acServer_and_its_version_for_the_acServer_stand_in()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var before = (await ws.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(before.GetProperty("kind").ValueKind).IsEqualTo(JsonValueKind.Null);
        await ws.AskAsync("server start");
        await ws.ReceiveUntilAsync(f => Frames.IsServerEvent(f, "Assetto Corsa Dedicated Server starting"), Slow);
        var info = (await ws.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That((info.Str("kind"), info.Str("version"))).IsEqualTo(("acServer", "v1.15"));
        await ws.AskAsync("server stop");
    }

    [Test]
    public async Task Extra_cfg_is_reported_and_never_touched_by_configuration_edits()
    {
        using var folder = AssettoFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        JsonElement ExtraCfg(JsonElement reply) => reply.Data().GetProperty("server").GetProperty("extra_cfg");

        var absent = ExtraCfg(await ws.AskAsync("server info"));
        await Assert.That((absent.GetProperty("present").GetBoolean(), absent.GetProperty("udp_plugin").ValueKind)).IsEqualTo((false, JsonValueKind.Null));

        byte[] yaml = "# AssettoServer settings\nEnableLegacyPluginInterface: true # for acws\nAiParams:\n  EnableLegacyPluginInterface: false\n"u8.ToArray();
        File.WriteAllBytes(folder.Cfg("extra_cfg.yml"), yaml);
        var present = ExtraCfg(await ws.AskAsync("server info"));
        await Assert.That((present.GetProperty("present").GetBoolean(), present.GetProperty("udp_plugin").GetBoolean())).IsEqualTo((true, true));

        await Assert.That((await ws.AskAsync("server session practice time 25")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("server configuration show")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("server configuration write")).Data().Str("msg")).IsEqualTo("Wrote cfg/server_cfg.ini");
        await Assert.That(File.ReadAllBytes(folder.Cfg("extra_cfg.yml")).SequenceEqual(yaml)).IsTrue();
        await Assert.That(Directory.GetFiles(folder.PathOf("cfg")).Select(f => Path.GetFileName(f)).Where(f => f.Contains("extra_cfg"))).IsEquivalentTo(new[] { "extra_cfg.yml" });

        File.WriteAllText(folder.Cfg("extra_cfg.yml"), "EnableLegacyPluginInterface: false\n");
        await Assert.That(ExtraCfg(await ws.AskAsync("server info")).GetProperty("udp_plugin").GetBoolean()).IsFalse();
    }
}
