using System.Text.Json;
using AcWs.Commands;
using AcWs.Live;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>acServer's output path (grammar, live state, wire mapping) fed the real acServer lines from tests/fixtures, one at a time.</summary>
public class AcServerLogTests
{
    /// <summary>The feed as the agent runs it, and its state.</summary>
    sealed class Log(LiveFeed feed)
    {
        /// <summary>What clients hear of a line: each event the feed gives, through the one wire mapping.</summary>
        public IReadOnlyList<Pushed> Feed(string line) =>
            [.. feed.Feed(line).Select(e => WireEvents.Of(e, feed.State)).OfType<Pushed>()];
        public LiveState State => feed.State;
        public IReadOnlyList<string> Cars => State.Cars;
        public IReadOnlyDictionary<string, Driver> Drivers => State.Drivers;
        public ActiveSession? Session => State.Session;
        public LobbyState Lobby => State.Lobby;
    }

    static Log NewLog() => new(new LiveFeed(new AcServerGrammar(), new LiveState(slot => (slot * 10, slot), new LobbyBook())));

    static List<JsonElement> FeedFile(Log log, string path)
    {
        var events = new List<JsonElement>();
        foreach (var raw in File.ReadAllText(path).Split('\n'))
            foreach (var pushed in log.Feed(raw.TrimEnd('\r')))
                events.Add(JsonDocument.Parse(pushed.ToUtf8()).RootElement.GetProperty("data").Clone());
        return events;
    }

    public static IEnumerable<string> AllLogs() =>
        Directory.GetFiles(Path.Combine(Fixtures.Root, "original"), "*.log")
            .Concat(Directory.GetFiles(Path.Combine(Fixtures.Root, "real", "logs")))
            .Order().Select(Path.GetFileName)!;

    static string LogPath(string name) =>
        File.Exists(Fixtures.Original(name)) ? Fixtures.Original(name) : Fixtures.Real("logs/" + name);

    [Test]
    [MethodDataSource(nameof(AllLogs))]
    public async Task Every_real_log_parses_line_by_line_without_throwing(string name)
    {
        var log = NewLog();
        var events = FeedFile(log, LogPath(name));
        await Assert.That(events.All(e => e.ValueKind == JsonValueKind.Object)).IsTrue();
    }

    [Test]
    public async Task The_startup_banner_gives_version_timestamp_track_and_cars()
    {
        var log = NewLog();
        var events = FeedFile(log, Fixtures.Original("acserver_startup_excerpt.log"));
        var e = events.Single().GetProperty("server").GetProperty("event");
        await Assert.That(e.Str("version")).IsEqualTo("v1.15");
        await Assert.That(e.Str("timestamp")).IsEqualTo("2022-07-22 10:42:32.8776464 +1000 AEST m=+0.007426800");
        await Assert.That(e.Str("track")).IsEqualTo("rt_autodrom_most");
        await Assert.That(e.GetProperty("cars").EnumerateArray().Select(c => c.GetString())).IsEquivalentTo(new string?[] { "ks_mazda_mx5_cup" });
        await Assert.That(e.Str("msg")).IsEqualTo("Assetto Corsa Dedicated Server starting");
    }

    [Test]
    public async Task Space_separated_car_lists_of_other_versions_are_read()
    {
        var log = NewLog();
        log.Feed("CARS=[\"abarth500\" \"bmw_m3_e30\"]");
        await Assert.That(log.Cars).IsEquivalentTo(new[] { "abarth500", "bmw_m3_e30" });
    }

    [Test]
    public async Task A_join_then_a_leave_from_the_real_excerpts()
    {
        var log = NewLog();
        var joined = FeedFile(log, Fixtures.Original("acserver_driver_join_excerpt.log")).Single().GetProperty("driver");
        await Assert.That(joined.Str("name")).IsEqualTo("Mark Hannon");
        await Assert.That(joined.Str("host")).IsEqualTo("192.168.1.1");
        await Assert.That(joined.GetProperty("port").GetInt32()).IsEqualTo(50834);
        await Assert.That(joined.Str("car")).IsEqualTo("bmw_m3_e30");
        await Assert.That(joined.Str("guid")).IsEqualTo("76561198005431407");
        await Assert.That(joined.GetProperty("slot").GetInt32()).IsEqualTo(0);
        await Assert.That(joined.Str("msg")).IsEqualTo("joining");
        await Assert.That(log.Drivers.Keys).IsEquivalentTo(new[] { "Mark Hannon" });

        var left = FeedFile(log, Fixtures.Original("acserver_driver_leave_excerpt.log")).Single().GetProperty("driver");
        await Assert.That(left.Str("name")).IsEqualTo("Mark Hannon");
        await Assert.That(left.Str("msg")).IsEqualTo("leaving");
        await Assert.That(log.Drivers.Count).IsEqualTo(0);
    }

    [Test]
    public async Task Ballast_and_restrictor_come_from_the_slot()
    {
        var log = NewLog();
        foreach (var line in new[] { "NEW PICKUP CONNECTION from  10.0.0.2:1234", "Looking for available slot by name for GUID 42 car_a", "Slot found at index 3", "DRIVER: Someone [Team X]" })
            log.Feed(line);
        var d = log.Drivers["Someone"];
        await Assert.That((d.Slot, d.Ballast, d.Restrictor, d.Team)).IsEqualTo((3, 30, 3, "Team X"));
    }

    [Test]
    public async Task The_older_rejoin_form_is_understood()
    {
        var log = NewLog();
        foreach (var line in new[] { "NEW CONNECTION from <nil>", "VERSION 190", "GUID: 76561197986397125*", "LOOKING INTO DRIVERS", "DRIVER ACCEPTED FOR CAR 13", "DRIVER ACCEPTED FOR CAR Ross Hawkey", "DRIVER: Ross Hawkey []" })
            log.Feed(line);
        var d = log.Drivers["Ross Hawkey"];
        await Assert.That((d.Slot, d.Guid)).IsEqualTo((13, "76561197986397125"));
    }

    [Test]
    public async Task Someone_who_joined_before_us_leaves_quietly()
    {
        var log = NewLog();
        await Assert.That(log.Feed("Clean exit, driver disconnected:  Tobias Mueller []").Count).IsEqualTo(0);
    }

    [Test]
    public async Task The_session_excerpt_starts_a_practice()
    {
        var log = NewLog();
        var e = FeedFile(log, Fixtures.Original("acserver_session_excerpt.log")).Single().GetProperty("session").GetProperty("event");
        await Assert.That(e.Str("type")).IsEqualTo("Practice");
        await Assert.That(e.GetProperty("time").GetInt32()).IsEqualTo(10);
        await Assert.That(e.GetProperty("laps").GetInt32()).IsEqualTo(0);
        await Assert.That(e.GetProperty("active").GetBoolean()).IsTrue();
        log.Feed("SENDING session name : Qualification");
        log.Feed("SENDING session time : 15");
        log.Feed("SENDING session laps : 0");
        await Assert.That(log.Session).IsEqualTo(new ActiveSession("Qualify", 0, 15));
    }

    [Test]
    public async Task Lobby_lines_give_lobby_state_and_events()
    {
        var log = NewLog();
        var events = FeedFile(log, Fixtures.Original("acserver_lobby_excerpt.log"));
        await Assert.That(log.Lobby.Connected).IsTrue();
        await Assert.That(log.Lobby.UrlRegister).StartsWith("http://93.57.10.21/lobby.ashx/register?name=SNRL+AC+%231&port=9601");
        await Assert.That(log.Lobby.UrlPing).StartsWith("http://93.57.10.21/lobby.ashx/ping?session=2");
        await Assert.That(events.Single().GetProperty("lobby").GetProperty("event").GetProperty("connected").GetBoolean()).IsTrue();
        var errors = FeedFile(log, Fixtures.Original("acserver_lobby_errors_excerpt.log"));
        await Assert.That(errors.Count).IsEqualTo(2);
        await Assert.That(log.Lobby.Connected).IsFalse();
    }

    [Test]
    public async Task Truncated_and_odd_lines_never_throw()
    {
        var log = NewLog();
        string[] odd = ["NEW PICKUP CONNECTION from  host:notaport", "NEW PICKUP CONNECTION from  1.2.3.4:99999999999", "Slot found at index 99999999999",
            "SENDING session laps : x", "SENDING session time : ", "DRIVER: ", "DRIVER: [", "CARS=[", "CARS=", "Assetto Corsa Dedicated Server ", "", "\0\0\0", new string('[', 10000)];
        foreach (var line in odd) log.Feed(line);
        await Assert.That(log.Drivers.Count).IsEqualTo(0);
    }

    /// <summary>
    /// acServer's second "lost" line, read after the automatic re-registration already answered (a loaded machine),
    /// is old news: it keeps the registration; a lost line long after a registration is a loss.
    /// </summary>
    [Test]
    public async Task A_lost_line_read_after_a_re_registration_answered_is_old_news()
    {
        var book = new LobbyBook();
        var state = new LiveState(_ => (0, 0), book, TimeSpan.FromSeconds(10));
        // Registered just now (as at acServer's start): the first lost line is a loss, and so is its second line.
        book.Update(l => l with { Connected = true, Since = DateTime.UtcNow });
        state.Apply(new LobbyLost("ERROR,SERVER NOT REGISTERED WITH LOBBY - PLEASE RESTART"));
        await Assert.That(book.State.Connected).IsFalse();
        state.Apply(new LobbyLost("ERROR - RESTART YOUR SERVER TO REGISTER WITH THE LOBBY"));
        await Assert.That(book.State.Connected).IsFalse();
        // A re-registration answers, then a late line of the same burst arrives: it keeps the registration.
        book.Update(l => l with { Connected = true, Since = DateTime.UtcNow.AddMilliseconds(1) });
        state.Apply(new LobbyLost("ERROR - RESTART YOUR SERVER TO REGISTER WITH THE LOBBY"));
        await Assert.That(book.State.Connected).IsTrue();
        await Assert.That(book.State.LastMsg).IsEqualTo("ERROR - RESTART YOUR SERVER TO REGISTER WITH THE LOBBY");
    }
}
