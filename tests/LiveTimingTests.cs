using AcWs.Live;
using static AcWs.Live.PluginMessage;
using LapCompleted = AcWs.Live.PluginMessage.LapCompleted;

namespace AcWs.Tests;

/// <summary>Live/LiveTiming.cs on its own: decoded plugin messages in, the table and the events out.</summary>
public class LiveTimingTests
{
    public static SessionInfo Session(PluginSessionType type, string name, int index = 0, bool isNew = true, int laps = 0) =>
        new(isNew, 4, index, index, 3, "acws test", "ks_vallelunga", "", name, type, laps == 0 ? 10 : 0, laps, 60, 20, 28, "3_clear", 1000);

    public static Connection Joined(int car, string driver) => new(true, driver, "7656119800000000" + car, car, "ks_mazda_mx5", "red");

    static LapCompleted Lap(int car, long ms, int cuts = 0) => new(car, ms, cuts, [], 1f);

    static LiveTiming With(PluginSessionType type, params string[] drivers)
    {
        var timing = new LiveTiming();
        timing.Apply(Session(type, type.ToString()));
        for (int i = 0; i < drivers.Length; i++) timing.Apply(Joined(i, drivers[i]));
        return timing;
    }

    static string Rows(LiveTiming timing) =>
        string.Join(" | ", timing.Table().Rows.Select(r => $"{r.Position} {r.Car.Driver} {r.Car.Laps} {r.Car.BestLapMs?.ToString() ?? "-"} '{r.Gap}'{(r.OverallBest ? " *" : "")}"));

    [Test]
    public async Task A_race_orders_by_laps_then_total_time_and_gaps_to_the_leader_in_time_or_laps()
    {
        var t = With(PluginSessionType.Race, "Ann", "Bob", "Cid", "Dee");
        t.Apply(Lap(0, 90_000)); t.Apply(Lap(1, 91_500)); t.Apply(Lap(2, 95_000));
        t.Apply(Lap(0, 89_000)); t.Apply(Lap(1, 90_000));
        t.Apply(Lap(0, 92_000));
        // Ann 3 laps 271.0 s; Bob 2 laps 181.5 s; Cid 1 lap; Dee none.
        await Assert.That(Rows(t)).IsEqualTo("1 Ann 3 89000 '' * | 2 Bob 2 90000 '+1 lap' | 3 Cid 1 95000 '+2 laps' | 4 Dee 0 - ''");
        t.Apply(Lap(1, 88_000));
        // Bob 269.5 s over 3 laps now leads Ann's 271.0 s.
        await Assert.That(Rows(t)).IsEqualTo("1 Bob 3 88000 '' * | 2 Ann 3 89000 '+1.500' | 3 Cid 1 95000 '+2 laps' | 4 Dee 0 - ''");
    }

    [Test]
    public async Task Same_laps_in_a_race_gap_by_total_time()
    {
        var t = With(PluginSessionType.Race, "Ann", "Bob");
        t.Apply(Lap(0, 90_000)); t.Apply(Lap(1, 91_234));
        await Assert.That(Rows(t)).IsEqualTo("1 Ann 1 90000 '' * | 2 Bob 1 91234 '+1.234'");
    }

    [Test]
    public async Task Practice_orders_by_best_lap_and_a_cut_lap_is_never_a_best()
    {
        var t = With(PluginSessionType.Practice, "Ann", "Bob", "Cid");
        var first = t.Apply(Lap(1, 92_000)).OfType<LapTimed>().Single();
        await Assert.That((first.PersonalBest, first.OverallBest, first.Position)).IsEqualTo((true, true, 1));
        var cut = t.Apply(Lap(0, 80_000, cuts: 2)).OfType<LapTimed>().Single();
        await Assert.That((cut.PersonalBest, cut.OverallBest, cut.Position)).IsEqualTo((false, false, 2));
        var second = t.Apply(Lap(0, 91_000)).OfType<LapTimed>().Single();
        await Assert.That((second.PersonalBest, second.OverallBest, second.Position)).IsEqualTo((true, true, 1));
        var slower = t.Apply(Lap(1, 93_000)).OfType<LapTimed>().Single();
        await Assert.That((slower.PersonalBest, slower.OverallBest)).IsEqualTo((false, false));
        await Assert.That(Rows(t)).IsEqualTo("1 Ann 2 91000 '' * | 2 Bob 2 92000 '+1.000' | 3 Cid 0 - ''");
        await Assert.That(t.Car(0)!.Cuts).IsEqualTo(2);
    }

    [Test]
    public async Task A_new_session_starts_the_laps_over_and_keeps_the_drivers()
    {
        var t = With(PluginSessionType.Practice, "Ann");
        t.Apply(Lap(0, 90_000));
        var end = t.Apply(new EndSession("2026_11_26_12_00_PRACTICE.json")).Single() as PluginSessionChanged;
        await Assert.That((end!.State, end.Session!.Name, end.ResultsFile)).IsEqualTo(("end", "Practice", "2026_11_26_12_00_PRACTICE.json"));
        var started = t.Apply(Session(PluginSessionType.Race, "Race", index: 1, laps: 5)).Single() as PluginSessionChanged;
        await Assert.That((started!.State, started.Session!.Name)).IsEqualTo(("new", "Race"));
        await Assert.That(Rows(t)).IsEqualTo("1 Ann 0 - ''");
        await Assert.That(t.Table().Session!.Laps).IsEqualTo(5);
    }

    [Test]
    public async Task Session_info_about_another_session_changes_nothing_and_about_the_current_one_starts_nothing_over()
    {
        var t = With(PluginSessionType.Race, "Ann");
        t.Apply(Lap(0, 90_000));
        await Assert.That(t.Apply(Session(PluginSessionType.Qualify, "Qualify", index: 1, isNew: false) with { CurrentSessionIndex = 0 })).IsEmpty();
        await Assert.That(t.Apply(Session(PluginSessionType.Race, "Race", isNew: false))).IsEmpty();
        await Assert.That(t.Session!.Name).IsEqualTo("Race");
        await Assert.That(Rows(t)).IsEqualTo("1 Ann 1 90000 '' *");
    }

    [Test]
    public async Task A_driver_coming_back_keeps_the_laps_and_another_driver_in_the_car_starts_from_nothing()
    {
        var t = With(PluginSessionType.Practice, "Ann");
        t.Apply(Lap(0, 90_000));
        var left = t.Apply(Joined(0, "Ann") with { Connected = false }).Single() as CarChanged;
        await Assert.That((left!.State, left.Car.Connected, left.Car.Laps)).IsEqualTo(("disconnected", false, 1));
        t.Apply(Joined(0, "Ann"));
        var loaded = t.Apply(new ClientLoaded(0)).Single() as CarChanged;
        await Assert.That((loaded!.State, loaded.Car.Loaded, loaded.Car.Laps)).IsEqualTo(("loaded", true, 1));
        t.Apply(Joined(0, "Ann") with { Connected = false });
        t.Apply(new Connection(true, "Zed", "76561198999999999", 0, "ks_mazda_mx5", "blue"));
        await Assert.That(Rows(t)).IsEqualTo("1 Zed 0 - ''");
    }

    [Test]
    public async Task Chat_and_collisions_name_the_drivers()
    {
        var t = With(PluginSessionType.Race, "Ann", "Bob");
        var chat = t.Apply(new Chat(1, "gg")).Single() as ChatHeard;
        await Assert.That((chat!.CarId, chat.Driver, chat.Message)).IsEqualTo(((int?)1, "Bob", "gg"));
        var hit = t.Apply(new Collision(0, 1, 42.5f, default, default)).Single() as CollisionHeard;
        await Assert.That((hit!.Driver, hit.OtherCarId, hit.OtherDriver, hit.ImpactSpeed)).IsEqualTo(("Ann", (int?)1, "Bob", 42.5f));
        var wall = t.Apply(new Collision(1, null, 10f, default, default)).Single() as CollisionHeard;
        await Assert.That((wall!.Driver, wall.OtherCarId, wall.OtherDriver)).IsEqualTo(("Bob", (int?)null, (string?)null));
    }

    [Test]
    public async Task The_leaderboard_fills_in_laps_and_bests_made_before_the_link_was_up()
    {
        var t = With(PluginSessionType.Race, "Ann", "Bob");
        t.Apply(new LapCompleted(0, 90_000, 0, [new(0, 90_000, 6, true), new(1, 88_000, 5, true)], 1f));
        await Assert.That(Rows(t)).IsEqualTo("1 Ann 6 90000 '' | 2 Bob 5 88000 '+1 lap' *");
    }
}
