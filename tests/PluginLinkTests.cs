using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json;
using AcWs.Live;
using AcWs.Tests.Support;
using static AcWs.Live.PluginMessage;
using LapCompleted = AcWs.Live.PluginMessage.LapCompleted;

namespace AcWs.Tests;

/// <summary>
/// The UDP plugin link end to end: the real agent, a real UdpClient on loopback playing acServer (bound on
/// UDP_PLUGIN_LOCAL_PORT), real datagrams both ways, and what clients hear over the WebSocket.
/// </summary>
public class PluginLinkTests
{
    static readonly SessionInfo Race = LiveTimingTests.Session(PluginSessionType.Race, "Race", index: 2, laps: 20);

    static long Num(JsonElement e, string name) => e.GetProperty(name).GetInt64();

    [Test]
    public async Task The_link_asks_for_the_session_at_start_and_every_message_type_reaches_clients()
    {
        await using var rig = await PluginRig.StartAsync();
        await rig.SendAsync(new PluginMessage.Version(4));
        var asked = await rig.ReceiveAsync(_ => true);
        await Assert.That(asked).IsEquivalentTo(PluginCommand.GetSessionInfo(), TUnit.Assertions.Enums.CollectionOrdering.Matching);

        // 59, the answer: the session, no event.
        await rig.SendAsync(Race with { IsNew = false });
        var live = await rig.LiveWhenAsync(l => l.GetProperty("session").ValueKind == JsonValueKind.Object);
        await Assert.That(live.GetProperty("session").Str("name")).IsEqualTo("Race");
        await Assert.That(live.GetProperty("session").Str("type")).IsEqualTo("race");

        await rig.SendAsync(Race);
        var session = await rig.EventAsync("session", s => s.TryGetProperty("event", out var e) && e.Str("state") == "new");
        await Assert.That(session.GetProperty("event").Str("name")).IsEqualTo("Race");

        await rig.SendAsync(LiveTimingTests.Joined(3, "Max Power"));
        var car = await rig.EventAsync("car");
        await Assert.That((Num(car, "car_id"), car.Str("driver"), car.Str("state"), car.Str("model"))).IsEqualTo((3L, "Max Power", "connected", "ks_mazda_mx5"));
        await rig.SendAsync(new ClientLoaded(3));
        await Assert.That((await rig.EventAsync("car")).Str("state")).IsEqualTo("loaded");

        await rig.SendAsync(new CarUpdate(3, new Vector3(1, 2, 3), Vector3.One, 3, 6000, 0.5f));
        await rig.SendAsync(new LapCompleted(3, 93_123, 0, [new(3, 93_123, 1, true)], 0.98f));
        var lap = await rig.EventAsync("lap");
        await Assert.That((Num(lap, "car_id"), lap.Str("driver"), Num(lap, "lap_ms"), Num(lap, "laps"), Num(lap, "position")))
            .IsEqualTo((3L, "Max Power", 93_123L, 1L, 1L));
        await Assert.That((lap.GetProperty("personal_best").GetBoolean(), lap.GetProperty("overall_best").GetBoolean())).IsEqualTo((true, true));
        // The log lap's keys too.
        await Assert.That((lap.Str("name"), lap.Str("time"), Num(lap, "time_ms"))).IsEqualTo(("Max Power", "01:33.123", 93_123L));

        await rig.SendAsync(new Chat(3, "hello"));
        var chat = await rig.EventAsync("chat");
        await Assert.That((Num(chat, "car_id"), chat.Str("driver"), chat.Str("message"))).IsEqualTo((3L, "Max Power", "hello"));

        await rig.SendAsync(new Collision(3, null, 55.5f, Vector3.Zero, Vector3.Zero));
        var hit = await rig.EventAsync("collision");
        await Assert.That((Num(hit, "car_id"), hit.GetProperty("other_car_id").ValueKind, hit.GetProperty("impact_speed").GetDouble()))
            .IsEqualTo((3L, JsonValueKind.Null, 55.5));

        // 54 answers `car`; 60 answers a refused command (both in the command tests); 55 and 52:
        await rig.SendAsync(new EndSession("2026_11_26_21_00_RACE.json"));
        var end = await rig.EventAsync("session", s => s.GetProperty("event").Str("state") == "end");
        await Assert.That(end.GetProperty("event").Str("results_file")).IsEqualTo("2026_11_26_21_00_RACE.json");
        await rig.SendAsync(LiveTimingTests.Joined(3, "Max Power") with { Connected = false });
        await Assert.That((await rig.EventAsync("car")).Str("state")).IsEqualTo("disconnected");

        live = await rig.LiveWhenAsync(l => l.GetProperty("cars")[0].GetProperty("connected").GetBoolean() == false);
        var row = live.GetProperty("cars")[0];
        await Assert.That((Num(row, "laps"), Num(row, "best_lap_ms"), Num(row, "last_lap_ms"), row.Str("gap"), row.GetProperty("overall_best").GetBoolean()))
            .IsEqualTo((1L, 93_123L, 93_123L, "", true));
        var plugin = live.GetProperty("plugin");
        await Assert.That((plugin.GetProperty("linked").GetBoolean(), plugin.Str("address"), Num(plugin, "local_port")))
            .IsEqualTo((true, $"127.0.0.1:{rig.AddressPort}", (long)rig.LocalPort));
        await Assert.That((Num(plugin, "received"), Num(plugin, "malformed"), Num(plugin, "foreign"))).IsEqualTo((11L, 0L, 0L));
    }

    /// <summary>An AssettoServer that, once told (the file "go"), prints a lap line and then a join line.</summary>
    const string LapThenJoin = """
        echo '[07:12:20 INF] AssettoServer 0.0.0-alpha.0'
        echo '[07:12:22 INF] Server startup completed'
        while [ ! -f go ]; do sleep 0.05; done
        echo '[07:12:30 INF] Lap completed by FakeDriver, 0 cuts, laptime 01:35.1230'
        echo '[07:12:31 INF] OtherDriver (76561198000000002, 1 (abarth500-0_white_scorpion)) has connected'
        exec sleep 3600
        """;

    [Test]
    public async Task With_a_link_the_log_lap_lines_of_AssettoServer_are_not_pushed_a_second_time()
    {
        await using var rig = await PluginRig.StartAsync(script: LapThenJoin);
        // The server speaks on the link first (as AssettoServer with its legacy plugin interface does at start).
        await rig.SendAsync(new PluginMessage.Version(4));
        await rig.LiveWhenAsync(live => Num(live.GetProperty("plugin"), "received") > 0);
        File.WriteAllText(Path.Combine(rig.Folder.Root, "go"), "");
        // Lines are read in order: once the join is heard, the lap line before it was read too.
        var frames = new List<JsonElement>();
        while (frames.Count == 0 || WsClient.TopicOf(frames[^1]) != "driver") frames.Add(await rig.Watcher.ReceiveAsync());
        await Assert.That(frames.Count(f => WsClient.TopicOf(f) == "lap")).IsEqualTo(0);
        // The plugin's lap is pushed.
        await rig.SendAsync(new LapCompleted(0, 95_123, 0, [], 1f));
        await Assert.That(Num(await rig.EventAsync("lap"), "lap_ms")).IsEqualTo(95_123L);
    }

    [Test]
    public async Task A_link_the_server_never_speaks_on_leaves_the_log_laps_pushed()
    {
        // AssettoServer without EnableLegacyPluginInterface: the keys are set, the link is open, nothing comes on it.
        await using var rig = await PluginRig.StartAsync(script: LapThenJoin);
        File.WriteAllText(Path.Combine(rig.Folder.Root, "go"), "");
        var lap = await rig.EventAsync("lap");
        await Assert.That(lap.GetProperty("time_ms").GetInt32()).IsEqualTo(95_123);
    }

    /// <summary>Deterministic lap times: car c's lap k.</summary>
    static long LapTime(int car, int lap) => 90_000 + car * 137 + (lap * 7919 + car * 104_729) % 1_500;

    [Test]
    public async Task Ten_cars_twenty_laps_end_with_the_live_table_matching_the_lap_events()
    {
        const int Cars = 10, Laps = 20;
        await using var rig = await PluginRig.StartAsync();
        await rig.SendAsync(Race);
        for (int c = 0; c < Cars; c++)
        {
            await rig.SendAsync(LiveTimingTests.Joined(c, $"Driver {c}"));
            await rig.SendAsync(new ClientLoaded(c));
        }
        // Laps in the order the cars cross the line, each with the leaderboard acServer would send.
        var crossings = (from c in Enumerable.Range(0, Cars) from k in Enumerable.Range(1, Laps)
                         select (Car: c, Lap: k, At: Enumerable.Range(1, k).Sum(j => LapTime(c, j)))).OrderBy(x => x.At).ToList();
        var best = new long[Cars];
        var done = new int[Cars];
        foreach (var (c, k, _) in crossings)
        {
            done[c] = k;
            best[c] = best[c] == 0 ? LapTime(c, k) : Math.Min(best[c], LapTime(c, k));
            var board = Enumerable.Range(0, Cars).Select(i => new LeaderboardEntry(i, best[i] == 0 ? 999_999_999 : best[i], done[i], done[i] == Laps)).ToList();
            await rig.SendAsync(new LapCompleted(c, LapTime(c, k), 0, board, 1f));
        }

        var events = new List<JsonElement>();
        while (events.Count < crossings.Count) events.Add(await rig.EventAsync("lap"));
        // The events, on their own: the last lap of each car gives its place; bests are the minimum of its laps.
        var byCar = events.GroupBy(e => Num(e, "car_id")).ToDictionary(g => g.Key, g => g.ToList());
        var expectedOrder = byCar.OrderBy(g => g.Value.Sum(e => Num(e, "lap_ms"))).Select(g => g.Key).ToList();
        var finalPositions = byCar.OrderBy(g => Num(g.Value[^1], "position")).Select(g => g.Key).ToList();

        var live = await rig.LiveWhenAsync(l => l.GetProperty("cars").EnumerateArray().All(r => Num(r, "laps") == Laps));
        var rows = live.GetProperty("cars").EnumerateArray().ToList();
        await Assert.That(rows.Select(r => Num(r, "car_id")).ToList()).IsEquivalentTo(expectedOrder, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(finalPositions).IsEquivalentTo(expectedOrder, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        long leaderTotal = byCar[expectedOrder[0]].Sum(e => Num(e, "lap_ms"));
        long overall = events.Min(e => Num(e, "lap_ms"));
        foreach (var row in rows)
        {
            var laps = byCar[Num(row, "car_id")];
            long total = laps.Sum(e => Num(e, "lap_ms"));
            await Assert.That(Num(row, "best_lap_ms")).IsEqualTo(laps.Min(e => Num(e, "lap_ms")));
            await Assert.That(Num(row, "position")).IsEqualTo(Num(laps[^1], "position"));
            await Assert.That(row.Str("gap")).IsEqualTo(Num(row, "position") == 1 ? "" : LiveTiming.Seconds(total - leaderTotal));
            await Assert.That(row.GetProperty("overall_best").GetBoolean()).IsEqualTo(Num(row, "best_lap_ms") == overall);
            // A lap event says "personal best" exactly when it beat every earlier lap of that car.
            for (int i = 0; i < laps.Count; i++)
                await Assert.That(laps[i].GetProperty("personal_best").GetBoolean()).IsEqualTo(laps.Take(i).All(e => Num(e, "lap_ms") > Num(laps[i], "lap_ms")));
        }
    }

    [Test]
    public async Task Random_truncated_oversized_and_foreign_datagrams_never_disturb_the_agent()
    {
        await using var rig = await PluginRig.StartAsync();
        using var stranger = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var random = new Random(16);
        var lap = PluginServerSide.Encode(new LapCompleted(0, 90_000, 0, [new(0, 90_000, 1, true)], 1f));
        List<byte[]> garbage =
        [
            lap[..5], lap[..^1],                                  // truncated
            [73, 0, 1, 2, 3, 4, 200],                             // a leaderboard count past the end
            [1, 2, 3], [255], [130, 99, 0],                       // unknown ids, an unknown event type
        ];
        for (int i = 0; i < 30; i++)
        {
            var bytes = new byte[random.Next(1, 300)];
            random.NextBytes(bytes);
            bytes[0] = (byte)random.Next(200, 256);               // no message has these ids: each is malformed
            garbage.Add(bytes);
        }
        int empty = 1;
        foreach (var g in garbage) await rig.SendAsync(g);
        await rig.Server.SendAsync([], 0, rig.Acws);
        // Oversized: a valid chat with 60,000 bytes after it is a chat with trailing bytes, not malformed.
        await rig.SendAsync([.. PluginServerSide.Encode(new Chat(0, "hi")), .. new byte[60_000]]);
        for (int i = 0; i < 5; i++) await stranger.SendAsync(lap, lap.Length, rig.Acws);

        var live = await rig.LiveWhenAsync(l => Num(l.GetProperty("plugin"), "received") == garbage.Count + empty + 1 && Num(l.GetProperty("plugin"), "foreign") == 5);
        await Assert.That(Num(live.GetProperty("plugin"), "malformed")).IsEqualTo((long)garbage.Count + empty);
        // The stranger's lap was not taken.
        await Assert.That(live.GetProperty("cars").GetArrayLength()).IsEqualTo(0);
        await Assert.That((await rig.EventAsync("chat")).Str("message")).IsEqualTo("hi");
        // Still answering, and one line about malformed datagrams in the log, not one per datagram.
        await Assert.That((await rig.Admin.AskAsync("server status")).IsError()).IsFalse();
        var log = await rig.Host.LogWhenAsync(t => t.Contains("malformed datagram"));
        await Assert.That(log.Split('\n').Count(l => l.Contains("malformed datagram"))).IsEqualTo(1);
    }
}

/// <summary>The relay (--plugin-forward): a downstream plugin gets every datagram unchanged and its own reach acServer.</summary>
public class PluginRelayTests
{
    [Test]
    public async Task A_downstream_plugin_receives_every_datagram_unchanged_and_its_commands_reach_acServer()
    {
        using var downstream = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var at = (IPEndPoint)downstream.Client.LocalEndPoint!;
        await using var rig = await PluginRig.StartAsync(forward: [at]);
        byte[][] sent =
        [
            PluginServerSide.Encode(new PluginMessage.Version(4)),
            PluginServerSide.Encode(LiveTimingTests.Joined(0, "Ann")),
            PluginServerSide.Encode(new LapCompleted(0, 91_000, 1, [new(0, 999_999_999, 1, false)], 0.9f)),
            [250, 1, 2, 3],                                        // malformed: forwarded all the same
        ];
        foreach (var d in sent) await rig.SendAsync(d);
        foreach (var d in sent)
            await Assert.That(Convert.ToHexString((await downstream.ReceiveAsync(new CancellationTokenSource(WsClient.Timeout).Token)).Buffer)).IsEqualTo(Convert.ToHexString(d));

        // stracker's chat, sent to acws's port as to acServer's: passed on unchanged, from acws's port.
        var chat = PluginCommand.BroadcastChat("stracker says hi");
        await downstream.SendAsync(chat, chat.Length, rig.Acws);
        var got = await rig.Server.ReceiveAsync(new CancellationTokenSource(WsClient.Timeout).Token);
        while (got.Buffer[0] == PluginCommand.GetSessionInfoId) got = await rig.Server.ReceiveAsync(new CancellationTokenSource(WsClient.Timeout).Token);
        await Assert.That(Convert.ToHexString(got.Buffer)).IsEqualTo(Convert.ToHexString(chat));
        await Assert.That(got.RemoteEndPoint).IsEqualTo(rig.Acws);

        var plugin = (await rig.LiveWhenAsync(l => l.GetProperty("plugin").GetProperty("received").GetInt64() == sent.Length)).GetProperty("plugin");
        await Assert.That(plugin.GetProperty("forward")[0].GetString()).IsEqualTo(at.ToString());
        await Assert.That(plugin.GetProperty("foreign").GetInt64()).IsEqualTo(0);
    }
}
