using System.Numerics;
using System.Text.Json;
using AcWs.Live;
using AcWs.StandIn;
using AcWs.Tests.Support;
using M = AcWs.Live.PluginMessage;

namespace AcWs.Tests;

/// <summary>
/// The stand-in acServer's UDP plugin side: its encoder against <see cref="PluginProtocol.Decode"/>, then the real
/// stand-in process with this test as its plugin over loopback UDP.
/// </summary>
public class PluginStandInTests
{
    static readonly string Long = new('x', 300);

    /// <summary>Every message the stand-in can send, with edge values: non-ASCII text, strings at and over the one-byte limit.</summary>
    static IEnumerable<M> Samples() =>
    [
        new M.SessionInfo(true, 4, 0, 0, 3, "Zoë's 🏁 league", "ks_vallelunga", "club", "Practice", PluginSessionType.Practice, 10, 0, 60, 18, 24, "3_clear", 0),
        new M.SessionInfo(false, 4, 2, 1, 3, "", "magione", "", "Race", PluginSessionType.Race, 0, 20, 60, 0, 255, "7_heavy_clouds", 123456),
        new M.SessionInfo(false, 4, 1, 1, 2, "x", "t", "", "Q", (PluginSessionType)9, 65535, 65535, 65535, 5, 5, "", -1),
        new M.Connection(true, "Jürgen 🚗", "76561198020046073", 0, "rss_formula_rss_4", "14_Outback_Stars"),
        new M.Connection(false, "", "", 255, "", ""),
        new M.CarUpdate(3, new Vector3(1.5f, -2.25f, 1e6f), new Vector3(0, float.Epsilon, -0f), 6, 65535, 0.999f),
        new M.CarInfo(1, true, "ks_mazda_mx5", "red", "Max", "Team ✓", "765"),
        new M.CarInfo(7, false, "", "", "", "", ""),
        new M.EndSession("results/2026_11_26_21_16_RACE.json"),
        new M.EndSession(""),
        new M.Version(4),
        new M.Chat(2, "gg wp 👍"),
        new M.ClientLoaded(9),
        new M.Error("ERROR: ACSP_GET_SESSION_INFO out of bounds: 9"),
        new M.LapCompleted(4, 93123, 1, [new(4, 92000, 5, false), new(1, 999_999_999, 0, false), new(0, 91000, 20, true)], 0.98f),
        new M.LapCompleted(0, 0, 0, [], 1f),
        new M.Collision(1, 2, 37.5f, new Vector3(1, 2, 3), new Vector3(-1, 0, 0.5f)),
        new M.Collision(1, null, 12f, Vector3.Zero, Vector3.One),
    ];

    [Test]
    public async Task Every_message_the_encoder_writes_decodes_to_the_values_encoded()
    {
        var ids = new HashSet<int>();
        foreach (var m in Samples())
        {
            var d = PluginProtocol.Decode(PluginEncoder.Encode(m));
            await Assert.That(d.Trailing).IsEqualTo(0);
            await Assert.That(PluginDump.Of(d)).IsEqualTo($"{d.Name} {PluginDump.Of(m)}");
            ids.Add(d.Id);
        }
        // Every id of the protocol's table.
        await Assert.That(ids.Order()).IsEquivalentTo(PluginProtocol.Rows.Select(r => (int)r.Id).Order());
    }

    [Test]
    public async Task Strings_over_the_one_byte_limit_are_cut_there_and_still_decode()
    {
        var chat = (M.Chat)PluginProtocol.Decode(PluginEncoder.Encode(new M.Chat(0, Long))).Message!;
        await Assert.That(chat.Message).IsEqualTo(new string('x', 255));
        // An A string is cut on a character boundary: 100 three-byte characters are 85 whole ones in 255 bytes.
        var session = (M.SessionInfo)PluginProtocol.Decode(PluginEncoder.Encode(new M.SessionInfo(true, 4, 0, 0, 1, "", new string('€', 100), "", "", 0, 0, 0, 0, 0, 0, "", 0))).Message!;
        await Assert.That(session.Track).IsEqualTo(new string('€', 85));
    }

    static StandInFolder Folder() => new();

    [Test]
    public async Task At_start_it_sends_version_then_its_first_session_and_a_join_and_leave_send_connection_loaded_closed()
    {
        using var folder = Folder();
        await using var peer = PluginPeer.Start(folder);
        await Assert.That((await peer.NextAsync<M>()) is M.Version { ProtocolVersion: 4 }).IsTrue();
        var session = await peer.NextAsync<M.SessionInfo>();
        await Assert.That(session.IsNew).IsTrue();
        await Assert.That((session.Name, session.Type, session.SessionIndex, session.CurrentSessionIndex, session.SessionCount))
            .IsEqualTo(("Practice", PluginSessionType.Practice, 0, 0, 3));
        await Assert.That((session.Track, session.TimeMinutes, session.Laps)).IsEqualTo(("magione", 10, 0));

        folder.Cue("join CAR_2");
        var joined = await peer.NextAsync<M.Connection>();
        await Assert.That(joined).IsEqualTo(new M.Connection(true, "CAR_2", "76561198000000002", 2, "bmw_m3_e30", SkinOf(folder, 2)));
        await Assert.That((await peer.NextAsync<M>()) is M.ClientLoaded { CarId: 2 }).IsTrue();
        folder.Cue("chat CAR_2 hello everyone");
        await Assert.That(await peer.NextAsync<M.Chat>()).IsEqualTo(new M.Chat(2, "hello everyone"));
        folder.Cue("leave CAR_2");
        await Assert.That(await peer.NextAsync<M.Connection>()).IsEqualTo(joined with { Connected = false });
    }

    [Test]
    public async Task Malformed_cues_are_ignored_or_named_and_the_stand_in_keeps_answering()
    {
        using var folder = Folder();
        await using var peer = PluginPeer.Start(folder);
        await peer.NextAsync<M.SessionInfo>();
        foreach (var cue in new[] { "lap", "lap CAR_0", "lap CAR_0 99999999999999999999", "lap nobody 90000", "chat", "collide", "kick", "kick 99", "race", "race x y", "race 0 5" })
            folder.Cue(cue);
        await peer.LineAsync("race: expected 'race CARS LAPS' (1-999 laps), got '0 5'");
        await peer.SendAsync(PluginCommand.GetSessionInfo());
        await Assert.That((await peer.NextAsync<M.SessionInfo>()).IsNew).IsFalse();
        await Assert.That(peer.Seen.OfType<M.LapCompleted>()).IsEmpty();
    }

    [Test]
    public async Task A_race_of_10_cars_and_20_laps_sends_every_lap_with_a_consistent_leaderboard_then_ends()
    {
        using var folder = Folder();
        await using var peer = PluginPeer.Start(folder);
        await peer.NextAsync<M.SessionInfo>();
        folder.Cue("race 10 20");

        var race = await peer.NextAsync<M.SessionInfo>();
        await Assert.That((race.Name, race.Type, race.Laps, race.SessionIndex)).IsEqualTo(("Race", PluginSessionType.Race, 20, 2));
        for (int car = 0; car < 10; car++)
        {
            await Assert.That((await peer.NextAsync<M.Connection>()).CarId).IsEqualTo(car);
            await Assert.That((await peer.NextAsync<M.ClientLoaded>()).CarId).IsEqualTo(car);
        }

        // The test's own standings from the laps alone (a lap with cuts is no best lap, as in acServer); each
        // leaderboard must be exactly them, in race order.
        var laps = new Dictionary<int, List<(long Ms, int Cuts)>>();
        M.LapCompleted last = null!;
        for (int i = 0; i < 200; i++)
        {
            last = await peer.NextAsync<M.LapCompleted>();
            var mine = laps.TryGetValue(last.CarId, out var l) ? l : laps[last.CarId] = [];
            mine.Add((last.LapTimeMs, last.Cuts));
            var expected = Enumerable.Range(0, 10)
                .Select(c => laps.TryGetValue(c, out var x) ? x : [])
                .Select((x, c) => (Car: c, Laps: x.Count, Total: x.Sum(y => y.Ms), Best: x.Where(y => y.Cuts == 0).Select(y => y.Ms).DefaultIfEmpty(999_999_999).Min()))
                .OrderByDescending(r => r.Laps).ThenBy(r => r.Total).ThenBy(r => r.Car)
                .Select(r => new LeaderboardEntry(r.Car, r.Best, r.Laps, r.Laps >= 20)).ToList();
            await Assert.That(last.Leaderboard.SequenceEqual(expected)).IsTrue().Because($"lap {i + 1}: {string.Join(", ", last.Leaderboard)}");
        }
        await Assert.That(laps.Values.All(l => l.Count == 20)).IsTrue();
        await Assert.That(peer.Seen.OfType<M.Collision>().Any(c => c.OtherCarId is not null)).IsTrue();
        await Assert.That(laps.Values.Any(l => l.Any(y => y.Cuts > 0))).IsTrue();

        var end = await peer.NextAsync<M.EndSession>();
        await Assert.That(end.ResultsFile).Matches(@"^results/\d+_\d+_\d+_\d+_\d+_RACE\.json$");
        // The next session waits for its cue, as after 'finish'.
        folder.Cue("session practice");
        var next = await peer.NextAsync<M.SessionInfo>();
        await Assert.That((next.Name, next.SessionIndex, next.IsNew)).IsEqualTo(("Practice", 0, true));
        // The results file has the finishing order of the last leaderboard.
        using var results = JsonDocument.Parse(File.ReadAllBytes(folder.PathOf(end.ResultsFile)));
        var order = results.RootElement.GetProperty("Result").EnumerateArray().Select(r => r.GetProperty("CarId").GetInt32());
        await Assert.That(order.SequenceEqual(last.Leaderboard.Select(r => r.CarId))).IsTrue();
        await Assert.That(results.RootElement.GetProperty("Result")[0].GetProperty("BestLap").GetInt64()).IsEqualTo(last.Leaderboard[0].BestLapMs);
    }

    /// <summary>Two cars on the server, then each command of the plugin protocol and the answer the stand-in gives.</summary>
    static async Task<PluginPeer> WithTwoCars(StandInFolder folder)
    {
        var peer = PluginPeer.Start(folder);
        await peer.NextAsync<M.SessionInfo>();
        folder.Cue("join CAR_0");
        folder.Cue("join CAR_1");
        await peer.NextAsync<M.ClientLoaded>(l => l.CarId == 1);
        return peer;
    }

    [Test]
    public async Task Car_info_chat_and_admin_commands_get_their_answers()
    {
        using var folder = Folder();
        await using var peer = await WithTwoCars(folder);

        await peer.SendAsync(PluginCommand.GetCarInfo(0));
        var info = await peer.NextAsync<M.CarInfo>();
        await Assert.That((info.CarId, info.IsConnected, info.Model, info.DriverName, info.DriverGuid)).IsEqualTo((0, true, "bmw_m3_e30", "CAR_0", "76561198000000000"));
        await peer.SendAsync(PluginCommand.GetCarInfo(5));
        await Assert.That(await peer.NextAsync<M.CarInfo>()).IsEqualTo(new M.CarInfo(5, false, "bmw_m3_e30", SkinOf(folder, 5), "", "", ""));
        await peer.SendAsync(PluginCommand.GetCarInfo(200));
        await Assert.That((await peer.NextAsync<M.Error>()).Message).IsEqualTo("ERROR: ACSP_GET_CAR_INFO index 200 out of bound");

        await peer.SendAsync(PluginCommand.SendChat(1, "blue flag, Zoë 🏁"));
        await peer.LineAsync("CHAT to 1: blue flag, Zoë 🏁");
        await peer.SendAsync(PluginCommand.SendChat(7, "nobody there"));
        await Assert.That((await peer.NextAsync<M.Error>()).Message).IsEqualTo("ERROR: ACSP_SEND_CHAT car 7 is not connected");
        await peer.SendAsync(PluginCommand.BroadcastChat("race starts in 5 minutes"));
        await peer.LineAsync("CHAT to all: race starts in 5 minutes");
        await peer.SendAsync(PluginCommand.AdminCommand("/ballast 3 50"));
        await peer.LineAsync("ADMIN: /ballast 3 50");

        // A command cut short is ignored with a line, and the next one is still obeyed.
        await peer.SendAsync([PluginCommand.SendChatId, 0, 5, 65]);
        await peer.LineAsync("PLUGIN: ignored a malformed command");
        await peer.SendAsync(PluginCommand.GetSessionInfo());
        await Assert.That((await peer.NextAsync<M.SessionInfo>()).IsNew).IsFalse();
    }

    static string SkinOf(StandInFolder folder, int car) =>
        Ini.EntryList.From(Ini.IniDocument.Load(folder.Cfg("entry_list.ini"), "entry_list.ini"))[car].Skin;

    [Test]
    public async Task Session_commands_get_their_answers()
    {
        using var folder = Folder();
        await using var peer = await WithTwoCars(folder);

        await peer.SendAsync(PluginCommand.GetSessionInfo());
        var current = await peer.NextAsync<M.SessionInfo>();
        await Assert.That((current.IsNew, current.SessionIndex, current.CurrentSessionIndex, current.Name)).IsEqualTo((false, 0, 0, "Practice"));
        await peer.SendAsync(PluginCommand.GetSessionInfo(2));
        var race = await peer.NextAsync<M.SessionInfo>();
        await Assert.That((race.SessionIndex, race.CurrentSessionIndex, race.Name, race.Type, race.Laps)).IsEqualTo((2, 0, "Race", PluginSessionType.Race, 5));
        await peer.SendAsync(PluginCommand.GetSessionInfo(9));
        await Assert.That((await peer.NextAsync<M.Error>()).Message).IsEqualTo("ERROR: ACSP_GET_SESSION_INFO out of bounds: 9");

        await peer.SendAsync(PluginCommand.SetSessionInfo(2, "Sprint", PluginSessionType.Race, 7, 0, 30));
        await peer.SendAsync(PluginCommand.GetSessionInfo(2));
        var sprint = await peer.NextAsync<M.SessionInfo>();
        await Assert.That((sprint.Name, sprint.Laps, sprint.WaitSeconds)).IsEqualTo(("Sprint", 7, 30));

        await peer.SendAsync(PluginCommand.NextSession());
        await Assert.That((await peer.NextAsync<M.EndSession>()).ResultsFile).Matches(@"^results/.*_PRACTICE\.json$");
        var qualify = await peer.NextAsync<M.SessionInfo>();
        await Assert.That((qualify.IsNew, qualify.SessionIndex, qualify.Name)).IsEqualTo((true, 1, "Qualify"));
        await peer.SendAsync(PluginCommand.RestartSession());
        var file = (await peer.NextAsync<M.EndSession>()).ResultsFile;
        await Assert.That(File.Exists(folder.PathOf(file))).IsTrue();
        var again = await peer.NextAsync<M.SessionInfo>();
        await Assert.That((again.IsNew, again.SessionIndex, again.Name)).IsEqualTo((true, 1, "Qualify"));
    }

    [Test]
    public async Task Kick_closes_the_car_and_car_updates_start_and_stop()
    {
        using var folder = Folder();
        await using var peer = await WithTwoCars(folder);

        await peer.SendAsync(PluginCommand.KickUser(1));
        var kicked = await peer.NextAsync<M.Connection>();
        await Assert.That((kicked.Connected, kicked.CarId, kicked.DriverName)).IsEqualTo((false, 1, "CAR_1"));
        await peer.LineAsync("Clean exit, driver disconnected:  CAR_1");
        await peer.SendAsync(PluginCommand.KickUser(1));
        await Assert.That((await peer.NextAsync<M.Error>()).Message).IsEqualTo("ERROR: ACSP_KICK_USER index 1 out of bound");

        await peer.SendAsync(PluginCommand.RealtimePosInterval(50));
        var update = await peer.NextAsync<M.CarUpdate>();
        await Assert.That(update.CarId).IsEqualTo(0);
        await peer.NextAsync<M.CarUpdate>();
        await peer.SendAsync(PluginCommand.RealtimePosInterval(0));
        // Once the stand-in has answered a later command, no CAR_UPDATE comes between two answers.
        await peer.SendAsync(PluginCommand.GetSessionInfo());
        await peer.NextAsync<M.SessionInfo>();
        int before = peer.Seen.Count;
        await peer.SendAsync(PluginCommand.GetSessionInfo());
        await peer.NextAsync<M.SessionInfo>();
        await Assert.That(peer.Seen.Skip(before).OfType<M.CarUpdate>()).IsEmpty();
    }

    [Test]
    public async Task The_demo_evening_sends_every_event_of_live_timing()
    {
        using var folder = StandInFolder.WithDemoFiles();
        await using var peer = PluginPeer.Start(folder, "--auto");
        // Joins, laps, a chat, a collision, the race's end and the drivers leaving, in the evening's order.
        await peer.NextAsync<M.Version>();
        await peer.NextAsync<M.Connection>(c => c.Connected && c.DriverName == "Callum Jones");
        await peer.NextAsync<M.ClientLoaded>();
        await peer.NextAsync<M.LapCompleted>(seconds: 60);
        await peer.NextAsync<M.Chat>(seconds: 60);
        await peer.NextAsync<M.SessionInfo>(s => s.Type == PluginSessionType.Race, seconds: 60);
        await peer.NextAsync<M.Collision>(seconds: 60);
        var lap = await peer.NextAsync<M.LapCompleted>(seconds: 60);
        await Assert.That(lap.Leaderboard.Count).IsEqualTo(5);
        await peer.NextAsync<M.EndSession>(seconds: 60);
        await peer.NextAsync<M.Connection>(c => !c.Connected, seconds: 60);
    }
}
