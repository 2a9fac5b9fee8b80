using System.Text.Json;
using AcWs.Commands;
using AcWs.Live;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>AssettoServer's output path: the real AssettoServer logs from tests/fixtures fed one line at a time through the detecting grammar.</summary>
public class AssettoServerLogTests
{
    static LiveFeed NewFeed() => new(new ServerGrammar(), new LiveState(slot => (slot * 10, slot), new LobbyBook()));

    public static string Fixture(string name) => Fixtures.Real("logs/assettoserver/assettoserver-6ce86ad-" + name + ".log");

    /// <summary>Every pushed frame's data, in order.</summary>
    static List<JsonElement> FeedFile(LiveFeed feed, string path)
    {
        var frames = new List<JsonElement>();
        foreach (var raw in File.ReadAllText(path).Split('\n'))
            foreach (var heard in feed.Feed(raw.TrimEnd('\r')))
                if (WireEvents.Of(heard, feed.State) is { } pushed)
                    frames.Add(JsonDocument.Parse(pushed.ToUtf8()).RootElement.GetProperty("data").Clone());
        return frames;
    }

    [Test]
    public async Task The_connect_lap_leave_log_gives_version_session_join_lap_and_leave()
    {
        var feed = NewFeed();
        var frames = FeedFile(feed, Fixture("connect-lap-leave"));
        await Assert.That(frames.Select(f => f.Str("topic"))).IsEquivalentTo(new[] { "server", "session", "driver", "lap", "driver" }, TUnit.Assertions.Enums.CollectionOrdering.Matching);

        var server = frames[0].GetProperty("server").GetProperty("event");
        await Assert.That(server.Str("msg")).IsEqualTo("AssettoServer starting");
        await Assert.That(server.Str("version")).IsEqualTo("0.0.0-alpha.0");
        var session = frames[1].GetProperty("session").GetProperty("event");
        await Assert.That((session.Str("type"), session.GetProperty("time").GetInt32(), session.GetProperty("laps").GetInt32())).IsEqualTo(("Practice", 10, 0));

        var joined = frames[2].GetProperty("driver");
        await Assert.That(joined.Str("msg")).IsEqualTo("joining");
        await Assert.That((joined.Str("name"), joined.Str("guid"), joined.Str("host"), joined.GetProperty("port").GetInt32(), joined.Str("car"), joined.GetProperty("slot").GetInt32()))
            .IsEqualTo(("FakeDriver", "76561198000000001", "127.0.0.1", 49928, "abarth500", 0));

        var lap = frames[3].GetProperty("lap");
        await Assert.That((lap.Str("name"), lap.Str("guid"), lap.Str("car"), lap.GetProperty("slot").GetInt32())).IsEqualTo(("FakeDriver", "76561198000000001", "abarth500", 0));
        await Assert.That((lap.GetProperty("time_ms").GetInt32(), lap.Str("time"), lap.GetProperty("cuts").GetInt32())).IsEqualTo((95123, "01:35.123", 0));
        await Assert.That(lap.Str("msg")).IsEqualTo("FakeDriver completed a lap in 01:35.123");

        var left = frames[4].GetProperty("driver");
        await Assert.That((left.Str("msg"), left.Str("name"))).IsEqualTo(("leaving", "FakeDriver"));
        await Assert.That(feed.State.Drivers.Count).IsEqualTo(0);
        await Assert.That((feed.State.Kind, feed.State.Version, feed.State.Ready, feed.State.Stopping, feed.State.FatalReason))
            .IsEqualTo(("AssettoServer", "0.0.0-alpha.0", true, true, (string?)null));
    }

    [Test]
    public async Task The_fatal_start_log_gives_the_exception_line_as_the_reason_and_no_event()
    {
        var feed = NewFeed();
        var frames = FeedFile(feed, Fixture("fatal-start-exit0"));
        await Assert.That(frames.Select(f => f.Str("topic"))).IsEquivalentTo(new[] { "server" });
        await Assert.That(feed.State.FatalReason).IsEqualTo("AssettoServer.Server.Configuration.ConfigurationException: No data.acd found for abarth500. "
            + "This will allow players to cheat using modified data. More info: https://assettoserver.org/docs/common-configuration-errors#missing-car-checksums");
        await Assert.That(feed.State.Ready).IsFalse();
    }

    [Test]
    public async Task Stack_trace_lines_are_never_events()
    {
        var feed = NewFeed();
        feed.Feed("[07:12:20 INF] AssettoServer 0.0.0-alpha.0");
        string[] continuation = ["Somebody (1 - 1.2.3.4:5) is attempting to connect (car)", "Somebody (1, 0 (car-skin)) has connected",
            "Somebody has disconnected", "Lap completed by Somebody, 0 cuts, laptime 01:35.1230", "Server shutting down",
            "Next session: Race - Length: 5 laps", "Switching session to id 2", "   at Somebody has disconnected", "AssettoServer 1.0"];
        foreach (var line in continuation)
            await Assert.That(feed.Feed(line).Count).IsEqualTo(0);
        await Assert.That((feed.State.Drivers.Count, feed.State.Session, feed.State.Stopping, feed.State.FatalReason)).IsEqualTo((0, (ActiveSession?)null, false, (string?)null));
    }

    [Test]
    public async Task Names_with_brackets_commas_and_older_formats_are_read()
    {
        var feed = NewFeed();
        feed.Feed("[07:12:20 INF] AssettoServer 0.0.55");
        feed.Feed("[07:12:28 INF] Jo (the) Driver, Jr (765 - [::1]:4000) is attempting to connect (ks_mazda_mx5_cup)");
        var joined = feed.Feed("[07:12:28 INF] Jo (the) Driver, Jr (765, 7 (ks_mazda_mx5_cup-00_official-red)) has connected").Single() as DriverJoined;
        await Assert.That(joined!.Driver with { Since = default }).IsEqualTo(new Driver("Jo (the) Driver, Jr", "[::1]", 4000, "ks_mazda_mx5_cup", "765", "", 7, 70, 7, default));
        var lap = feed.Feed("[07:13:28 INF] Lap completed by Jo (the) Driver, Jr, 3 cuts, laptime 95123").Single() as DriverLapped;
        await Assert.That(lap!.Lap).IsEqualTo(new LapCompleted("Jo (the) Driver, Jr", 95123, 3));
        feed.Feed("[07:14:00 INF] Next session: Race - Length: 12 laps");
        feed.Feed("[07:14:00 INF] Switching session to id 2");
        await Assert.That(feed.State.Session).IsEqualTo(new ActiveSession("Race", 12, 0));
        // A lap by someone acws never saw join still reaches clients, by name.
        var stranger = feed.Feed("[07:15:00 INF] Lap completed by Stranger, 0 cuts, laptime 01:40.0000").Single() as DriverLapped;
        await Assert.That((stranger!.Driver.Name, stranger.Lap.TimeMs)).IsEqualTo(("Stranger", 100000));
    }

    [Test]
    public async Task An_acServer_banner_decides_for_acServer_and_a_later_AssettoServer_like_line_changes_nothing()
    {
        var feed = NewFeed();
        foreach (var line in File.ReadAllLines(Fixtures.Original("acserver_startup_excerpt.log"))) feed.Feed(line);
        await Assert.That(feed.State.Kind).IsEqualTo("acServer");
        await Assert.That(feed.Feed("[07:12:20 INF] AssettoServer 0.0.0").Count).IsEqualTo(0);
        await Assert.That(feed.State.Kind).IsEqualTo("acServer");
    }

    [Test]
    public async Task Odd_lines_never_throw()
    {
        var feed = NewFeed();
        feed.Feed("[07:12:20 INF] AssettoServer 1");
        string[] odd = ["[07:12:20 INF] ", "[07:12:20 INF]", "[aa:bb:cc INF] x", "[07:12:20 inf] x", "[07:12:20 INF] Lap completed by , x cuts, laptime ",
            "[07:12:20 INF] Lap completed by a, 1 cuts, laptime 99:99.9999", "[07:12:20 INF]  (x - ) is attempting to connect ()",
            "[07:12:20 INF] x (, ()) has connected", "[07:12:20 INF] x (1, 99999999999 (a-b)) has connected", "[07:12:20 INF]  has disconnected",
            "[07:12:20 INF] Switching session to id 1", "[07:12:20 INF] Next session: - Length: x minutes", "[07:12:20 FTL] ", "", "\0", new string('[', 10000)];
        foreach (var line in odd) feed.Feed(line);
        await Assert.That(feed.State.Drivers.Count).IsEqualTo(0);
    }
}
