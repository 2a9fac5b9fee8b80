using System.Text.Json;
using AcWs.Live;
using AcWs.Runtime;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// Both halves of the UDP plugin together: acws linked to the stand-in acServer (a real process) over real loopback
/// UDP, a whole race run by the stand-in, and what a client hears of it.
/// </summary>
public class LiveRaceTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    static long Num(JsonElement e, string name) => e.GetProperty(name).GetInt64();
    /// <summary>A session event's body: the original's <c>{"session":{"event":{…}}}</c>.</summary>
    static JsonElement Session(JsonElement frame) => frame.Data().GetProperty("session").GetProperty("event");

    [Test]
    public async Task A_stand_in_race_of_10_cars_and_20_laps_ends_with_the_live_table_matching_its_lap_events()
    {
        const int Cars = 10, Laps = 20;
        using var folder = new StandInFolder();
        folder.UsePluginPorts(StandInFolder.FreePort(), StandInFolder.FreePort());
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0 });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        // The link is up once the stand-in's first session came over it (which may come before the reply).
        var (started, _) = await ws.AskAndAwaitAsync("server start", f => WsClient.TopicOf(f) == "session" && Session(f).TryGetProperty("state", out _), Slow);
        await Assert.That(started.ErrorOrNull()).IsNull();

        folder.Cue($"race {Cars} {Laps}");
        var laps = new List<JsonElement>();
        JsonElement end;
        while (true)
        {
            var f = await ws.ReceiveUntilAsync(f => WsClient.TopicOf(f) is "lap" or "session", Slow);
            if (WsClient.TopicOf(f) == "lap") { laps.Add(f.Data().GetProperty("lap").Clone()); continue; }
            var session = Session(f);
            if (session.TryGetProperty("state", out var state) && state.GetString() == "end") { end = session.Clone(); break; }
        }
        await Assert.That(laps.Count).IsEqualTo(Cars * Laps);
        await Assert.That(end.Str("results_file")).Matches(@"^results/\d+_\d+_\d+_\d+_\d+_RACE\.json$");

        // The standings worked out from the lap events alone: most laps, then least total time; a lap with cuts is no best.
        var byCar = laps.GroupBy(l => Num(l, "car_id")).ToDictionary(g => g.Key, g => g.ToList());
        var order = byCar.OrderByDescending(g => g.Value.Count).ThenBy(g => g.Value.Sum(l => Num(l, "lap_ms"))).Select(g => g.Key).ToList();
        long leaderTotal = byCar[order[0]].Sum(l => Num(l, "lap_ms"));
        long overall = laps.Where(l => Num(l, "cuts") == 0).Min(l => Num(l, "lap_ms"));

        var live = (await ws.AskAsync("live")).Data().GetProperty("live");
        await Assert.That(live.GetProperty("session").Str("type")).IsEqualTo("race");
        var rows = live.GetProperty("cars").EnumerateArray().ToList();
        await Assert.That(rows.Select(r => Num(r, "car_id")).ToList()).IsEquivalentTo(order, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        foreach (var row in rows)
        {
            var mine = byCar[Num(row, "car_id")];
            long total = mine.Sum(l => Num(l, "lap_ms"));
            await Assert.That(Num(row, "laps")).IsEqualTo((long)Laps);
            await Assert.That(Num(row, "best_lap_ms")).IsEqualTo(mine.Where(l => Num(l, "cuts") == 0).Min(l => Num(l, "lap_ms")));
            await Assert.That(Num(row, "last_lap_ms")).IsEqualTo(Num(mine[^1], "lap_ms"));
            await Assert.That(Num(row, "position")).IsEqualTo(Num(mine[^1], "position"));
            await Assert.That(Num(row, "position")).IsEqualTo((long)order.IndexOf(Num(row, "car_id")) + 1);
            await Assert.That(row.Str("gap")).IsEqualTo(Num(row, "position") == 1 ? "" : LiveTiming.Seconds(total - leaderTotal));
            await Assert.That(row.GetProperty("overall_best").GetBoolean()).IsEqualTo(Num(row, "best_lap_ms") == overall);
        }
        await Assert.That((await ws.AskAsync("server stop")).ErrorOrNull()).IsNull();
    }
}
