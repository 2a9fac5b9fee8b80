using System.Text.Json.Nodes;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// Drop-in for ac-websocket-server: two ported copies of its GUI client (<see cref="OriginalClient"/>) go through a
/// whole league evening over real WebSockets against acws, the stand-in acServer, a stand-in lobby and a stand-in
/// stracker. A presses the buttons; B only watches. Neither may raise, and both must show the right state.
/// </summary>
public class CompatibilityTests
{
    const string LegaCorsa = "Lega Corsa #1 - [ 90s DTM - Thursday is RACE DAY] - www.legacorsa.com";
    const string LobbyRefusal = "ERROR,INVALID SERVER,CHECK YOUR PORT FORWARDING SETTINGS";

    static string? Text(JsonNode? n) => n?.GetValue<string>();

    [Test]
    public async Task Two_original_clients_go_through_a_whole_evening_without_an_exception()
    {
        using var folder = new StandInFolder();
        var cfg = Ini.IniDocument.Load(folder.Cfg("server_cfg.ini"), "server_cfg.ini");
        cfg.Set("SERVER", "NAME", LegaCorsa);
        File.WriteAllBytes(folder.Cfg("server_cfg.ini"), cfg.ToBytes());
        TrackerTests.InstallStracker(folder.Root);
        await using var lobby = new StandInLobby();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = lobby.BaseUrl, LobbyAuto = false });
        int slots = Ini.EntryList.From(Ini.IniDocument.Load(folder.Cfg("entry_list.ini"), "entry_list.ini")).Count;

        // Connect: the welcome, server info, server sessions and tracker status.
        await using var a = await OriginalClient.ConnectAsync(host.Port, "A");
        await using var b = await OriginalClient.ConnectAsync(host.Port, "B");
        foreach (var c in new[] { a, b })
        {
            await Assert.That(c.ServerVersion).IsEqualTo(Agent.Version);
            await Assert.That(c.IsStarted).IsFalse();
            await Assert.That(c.IsTracking).IsFalse();
            await Assert.That(Text(c.Server["name"])).IsEqualTo(LegaCorsa);
            await Assert.That(Text(c.Server["child_ini_file"])).IsEqualTo("cfg/server_cfg.ini");
            await Assert.That(c.Sessions.AsObject().Select(p => p.Key)).IsEquivalentTo(["Practice", "Qualify", "Race"]);
            await Assert.That(c.Entries.Count).IsEqualTo(slots);
        }

        // Start the game: A from its replies, B from what is pushed.
        await a.ToggleGameAsync();
        await Assert.That(a.IsStarted).IsTrue();
        await b.WatchUntilAsync(c => c.IsStarted, "the server start");
        // acServer's own start-up event carries the version the GUI shows.
        await b.WatchUntilAsync(c => Text(c.Server["version"]) == "v1.15", "acServer's version");

        // Drivers join: both GUIs show them, in the slot acServer gave them.
        folder.Cue("join CAR_0");
        folder.Cue("join CAR_1");
        foreach (var c in new[] { a, b })
        {
            await c.WatchUntilAsync(x => x.Drivers.Count == 2, "two drivers");
            await Assert.That(Text(c.Entries[0]["connected"])).IsEqualTo("Yes");
            await Assert.That(Text(c.Entries[1]["connected"])).IsEqualTo("Yes");
        }
        a.PickSlot(0);

        // Session edits, then Save .cfg while acServer runs: A must not think it stopped.
        await a.UpdateSessionAsync("Race", "laps", 5);
        await a.ToggleSessionAsync("Practice");
        await Assert.That(a.CfgNeedsSaving).IsTrue();
        await a.SaveConfigurationAsync();
        await Assert.That(a.IsStarted).IsTrue();
        await Assert.That(a.Sessions.AsObject().ContainsKey("Practice")).IsFalse();
        await b.WatchUntilAsync(c => !c.Sessions.AsObject().ContainsKey("Practice"), "the written configuration");
        await Assert.That(b.IsStarted).IsTrue();
        await Assert.That(b.Sessions["Race"]!["laps"]!.GetValue<int>()).IsEqualTo(5);

        // acServer moves to the race: both mark it active.
        folder.Cue("session race");
        foreach (var c in new[] { a, b })
            await c.WatchUntilAsync(x => x.Sessions["Race"]?["active"]?.GetValue<bool>() == true, "the race session");

        // The race ends and a driver leaves.
        folder.Cue("finish");
        var leaving = Text(a.Drivers.Values.First()["name"])!;
        folder.Cue("leave " + leaving);
        foreach (var c in new[] { a, b })
            await c.WatchUntilAsync(x => x.Drivers.Count == 1, "the driver leaving");
        await WaitForFileAsync(folder.PathOf("results"), "*_RACE.json");

        // The next race's grid: reversed, then Save .ini.
        await a.ModifyOrderAsync("Reversed");
        await Assert.That(a.IniNeedsSaving).IsTrue();
        await Assert.That(a.Frames[^1].Data().Str("msg")).EndsWith("parse SUCCESS");
        await a.SaveIniAsync();
        // acws writes entry_list.ini itself and says so; the 0.7 GUI clears its light only for entry_list_new.ini.
        await Assert.That(a.Frames[^1].Data().Str("msg")).IsEqualTo("entry_list.ini file update SUCCESS");
        await Assert.That(a.IniNeedsSaving).IsTrue();

        // stracker on, then off.
        await a.ToggleTrackerAsync();
        await Assert.That(a.IsTracking).IsTrue();
        await b.WatchUntilAsync(c => c.IsTracking, "stracker started");
        await a.ToggleTrackerAsync();
        await Assert.That(a.IsTracking).IsFalse();
        await b.WatchUntilAsync(c => !c.IsTracking, "stracker stopped");

        // The lobby: registered, refused (word for word), registered again.
        await a.ToggleRegistrationAsync();
        await Assert.That(a.IsRegistered).IsTrue();
        await b.WatchUntilAsync(c => c.IsRegistered, "the registration");
        lobby.Body = LobbyRefusal;
        await a.ToggleRegistrationAsync();
        await Assert.That(a.Frames[^1].ErrorMsg()).IsEqualTo(LobbyRefusal);
        await Assert.That(a.IsRegistered).IsFalse();
        await b.WatchUntilAsync(c => !c.IsRegistered, "the lobby's refusal");
        lobby.Body = "OK,0,8081";
        await a.ToggleRegistrationAsync();
        await Assert.That(a.IsRegistered).IsTrue();
        await b.WatchUntilAsync(c => c.IsRegistered, "the registration again");

        // Stop the game.
        await a.ToggleGameAsync();
        await Assert.That(a.IsStarted).IsFalse();
        await b.WatchUntilAsync(c => !c.IsStarted, "the server stop");

        await Assert.That(a.Exceptions).IsEmpty();
        await Assert.That(b.Exceptions).IsEmpty();
    }

    /// <summary>The seed README's aliases, words and reply keys that scripts of the original rely on.</summary>
    [Test]
    public async Task Server_info_is_the_originals_superset()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var info = (await ws.AskAsync("server info")).Data().GetProperty("server");
        var sessions = (await ws.AskAsync("server sessions")).Data().GetProperty("sessions");
        // The same session objects as 'server sessions', keyed by name.
        await Assert.That(info.GetProperty("sessions").GetRawText()).IsEqualTo(sessions.GetRawText());
        // Entries keyed by slot number, each with every field the GUI reads.
        var entry = info.GetProperty("entries").GetProperty("0");
        foreach (var key in new[] { "car_id", "model", "drivername", "guid", "team", "skin", "ballast", "restrictor" })
            await Assert.That(entry.TryGetProperty(key, out _)).IsTrue();
        await Assert.That(entry.Str("car_id")).IsEqualTo("CAR_0");
        await Assert.That(info.GetProperty("running").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.False);
        await Assert.That(info.GetProperty("timestamp").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
        await Assert.That(info.Str("child_ini_file")).IsEqualTo("cfg/server_cfg.ini");
        await Assert.That(info.GetProperty("lobby").GetProperty("connected").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.False);
    }

    [Test]
    public async Task Server_info_without_an_entry_list_still_answers_and_says_why()
    {
        using var folder = new TempServerFolder(entryList: null);
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var info = (await ws.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(info.GetProperty("entries").EnumerateObject().Count()).IsEqualTo(0);
        await Assert.That(info.Str("entries_error")).Contains("entry_list.ini");
    }

    /// <summary>A name with " #" or " ;" is served whole and registered with the lobby whole.</summary>
    [Test]
    [Arguments(LegaCorsa)]
    [Arguments("Sunday Cup ; round 3")]
    public async Task A_server_name_with_a_hash_or_semicolon_survives(string name)
    {
        using var folder = new TempServerFolder();
        var cfg = Ini.IniDocument.Load(folder.Cfg("server_cfg.ini"), "server_cfg.ini");
        cfg.Set("SERVER", "NAME", name);
        File.WriteAllBytes(folder.Cfg("server_cfg.ini"), cfg.ToBytes());
        await using var lobby = new StandInLobby();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = lobby.BaseUrl, LobbyAuto = false });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").Str("name")).IsEqualTo(name);
        await Assert.That((await ws.AskAsync("lobby restart")).ErrorOrNull()).IsNull();
        var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + lobby.Requests[0]).Query);
        await Assert.That(query["name"]).IsEqualTo(name);
    }

    /// <summary>Every reply goes to its sender only; a change is pushed to the others as a copy marked event and topic.</summary>
    [Test]
    public async Task A_change_reaches_other_clients_as_a_marked_copy_of_the_reply()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var actor = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);
        // A query is answered to its sender only: the other's first frame is the copy of the start.
        await Assert.That((await actor.AskAsync("server info")).Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
        var reply = await actor.AskAsync("server start");
        await Assert.That(reply.GetRawText()).IsEqualTo("""{"data":{"msg":"Assetto Corsa server started"}}""");
        var copy = await other.ReceiveAsync();
        await Assert.That(copy.GetRawText()).IsEqualTo("""{"data":{"msg":"Assetto Corsa server started","event":true,"topic":"server"}}""");
        var stopped = await actor.AskAsync("server stop");
        await Assert.That(stopped.Data().Str("msg")).IsEqualTo("Assetto Corsa server stopped");
        await other.ReceiveUntilAsync(f => Frames.IsPushedMsg(f, "server", "Assetto Corsa server stopped"), TimeSpan.FromSeconds(30));
    }

    /// <summary>A crash and a restart from another client: the original's GUI follows both without raising.</summary>
    [Test]
    public async Task An_original_client_follows_a_crash_and_a_restart()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var admin = await WsClient.ConnectAsync(host.Port);
        await using var gui = await OriginalClient.ConnectAsync(host.Port, "gui");
        await Assert.That((await admin.AskAsync("server start")).ErrorOrNull()).IsNull();
        await gui.WatchUntilAsync(c => c.IsStarted, "the start");
        folder.Cue("exit 3");
        await gui.WatchUntilAsync(c => !c.IsStarted, "the crash");
        File.WriteAllText(folder.PathOf("standin.control"), "");
        await Assert.That((await admin.AskAsync("server start")).ErrorOrNull()).IsNull();
        await gui.WatchUntilAsync(c => c.IsStarted, "the start after the crash");
        await admin.AskAsync("server restart");
        await gui.WatchUntilAsync(c => c.Frames.Count(f => Frames.IsPushedMsg(f, "server", "Assetto Corsa server started")) == 3, "the restart");
        await Assert.That(gui.IsStarted).IsTrue();
        await Assert.That(gui.Exceptions).IsEmpty();
    }

    static async Task WaitForFileAsync(string dir, string pattern)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Directory.GetFiles(dir, pattern).Length == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {pattern} in {dir}");
            await Task.Delay(20);
        }
    }
}
