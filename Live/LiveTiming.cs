using System.Globalization;

namespace AcWs.Live;

/// <summary>One car as the plugin link knows it in the current session; lap times in milliseconds, null before the first.</summary>
public sealed record CarTiming(int CarId, string Driver, string Guid, string Model, string Skin, bool Connected, bool Loaded,
    int Laps, long? LastLapMs, long? BestLapMs, int Cuts, long TotalMs);

/// <summary>A car's place in the table: its position (1 = leader), its gap to the leader, and whether it holds the session's best lap.</summary>
public sealed record TimingRow(CarTiming Car, int Position, string Gap, bool OverallBest);

/// <summary>The whole timing table: the current session (null until the server named one) and every car by position.</summary>
public sealed record TimingTable(PluginMessage.SessionInfo? Session, long ElapsedMs, IReadOnlyList<TimingRow> Rows);

/// <summary>
/// What the plugin messages of one server run add up to: the session and, per car, driver, laps, last/best lap,
/// cuts, total time, connected/loaded. <see cref="Apply"/> takes one decoded message and returns what clients should
/// hear of it. Pure: no I/O; the clock is passed in (for the session's elapsed time). Safe across threads.
/// A new session (50) starts the laps over and keeps the drivers. A lap with cuts counts as a lap but never as a
/// best (acServer does not count it either). The race order is laps, then total time of the laps seen; every other
/// session orders by best lap, cars without one last.
/// </summary>
public sealed class LiveTiming(Func<long>? clockMs = null)
{
    readonly Lock gate = new();
    readonly Dictionary<int, CarTiming> cars = [];
    readonly Func<long> clock = clockMs ?? (() => Environment.TickCount64);
    PluginMessage.SessionInfo? session;
    long sessionSeenAt;

    public PluginMessage.SessionInfo? Session { get { lock (gate) return session; } }

    public CarTiming? Car(int carId) { lock (gate) return cars.GetValueOrDefault(carId); }

    public IReadOnlyList<CarTiming> Cars
    {
        get
        {
            lock (gate)
            {
                var list = cars.Values.ToList();
                list.Sort((a, b) => a.CarId.CompareTo(b.CarId));
                return list;
            }
        }
    }

    public IReadOnlyList<LiveEvent> Apply(PluginMessage message)
    {
        lock (gate)
        {
            switch (message)
            {
                case PluginMessage.SessionInfo s:
                    return NewSession(s);
                case PluginMessage.EndSession end:
                    return [new PluginSessionChanged("end", session, end.ResultsFile.Length == 0 ? null : end.ResultsFile)];
                case PluginMessage.Connection c:
                    var known = cars.GetValueOrDefault(c.CarId);
                    // Another driver in the car starts from nothing; the same one coming back keeps the laps.
                    var basis = known is null || (c.Connected && known.Guid != c.DriverGuid) ? Empty(c.CarId) : known;
                    var car = basis with { Driver = c.DriverName, Guid = c.DriverGuid, Model = c.CarModel, Skin = c.CarSkin, Connected = c.Connected, Loaded = false };
                    cars[c.CarId] = car;
                    return [new CarChanged(car, c.Connected ? "connected" : "disconnected")];
                case PluginMessage.ClientLoaded l:
                    var loaded = (cars.GetValueOrDefault(l.CarId) ?? Empty(l.CarId)) with { Connected = true, Loaded = true };
                    cars[l.CarId] = loaded;
                    return [new CarChanged(loaded, "loaded")];
                case PluginMessage.CarInfo i:
                    // The answer to GET_CAR_INFO: fills in a car that joined before the link was up; no event.
                    var was = cars.GetValueOrDefault(i.CarId) ?? Empty(i.CarId);
                    cars[i.CarId] = was with { Driver = i.DriverName, Guid = i.DriverGuid, Model = i.Model, Skin = i.Skin, Connected = i.IsConnected };
                    return [];
                case PluginMessage.LapCompleted lap:
                    return Lap(lap);
                case PluginMessage.Chat chat:
                    return [new ChatHeard(chat.CarId, DriverOf(chat.CarId), chat.Message)];
                case PluginMessage.Collision hit:
                    return [new CollisionHeard(hit.CarId, DriverOf(hit.CarId), hit.OtherCarId,
                        hit.OtherCarId is { } other ? DriverOf(other) : null, hit.ImpactSpeed)];
                default:
                    return [];
            }
        }
    }

    IReadOnlyList<LiveEvent> NewSession(PluginMessage.SessionInfo s)
    {
        // 59 SESSION_INFO is an answer about a session (any index); only the current one is taken, and it starts nothing over.
        if (!s.IsNew && s.SessionIndex != s.CurrentSessionIndex) return [];
        session = s;
        sessionSeenAt = clock();
        if (!s.IsNew) return [];
        foreach (var id in cars.Keys.ToList())
            cars[id] = cars[id] with { Laps = 0, LastLapMs = null, BestLapMs = null, Cuts = 0, TotalMs = 0 };
        return [new PluginSessionChanged("new", s, null)];
    }

    IReadOnlyList<LiveEvent> Lap(PluginMessage.LapCompleted lap)
    {
        var car = cars.GetValueOrDefault(lap.CarId) ?? Empty(lap.CarId);
        long? overallBefore = OverallBest();
        bool valid = lap.Cuts == 0 && lap.LapTimeMs > 0;
        bool personalBest = valid && (car.BestLapMs is not { } best || lap.LapTimeMs < best);
        bool overallBest = valid && (overallBefore is not { } all || lap.LapTimeMs < all);
        car = car with
        {
            Laps = car.Laps + 1,
            LastLapMs = lap.LapTimeMs,
            BestLapMs = personalBest ? lap.LapTimeMs : car.BestLapMs,
            Cuts = car.Cuts + lap.Cuts,
            TotalMs = car.TotalMs + lap.LapTimeMs,
        };
        cars[lap.CarId] = car;
        // The server's leaderboard knows laps done before the link was up.
        foreach (var row in lap.Leaderboard)
        {
            if (cars.GetValueOrDefault(row.CarId) is not { } other) continue;
            bool hasBest = row.BestLapMs is > 0 and < 999_999_999;
            cars[row.CarId] = other with
            {
                Laps = Math.Max(other.Laps, row.Laps),
                BestLapMs = hasBest && (other.BestLapMs is not { } b || row.BestLapMs < b) ? row.BestLapMs : other.BestLapMs,
            };
        }
        int position = Ordered().FindIndex(c => c.CarId == lap.CarId) + 1;
        return [new LapTimed(car, lap.LapTimeMs, lap.Cuts, position, personalBest, overallBest)];
    }

    public TimingTable Table()
    {
        lock (gate)
        {
            var ordered = Ordered();
            long? overall = OverallBest();
            int? holder = ordered.Find(c => overall is not null && c.BestLapMs == overall)?.CarId;
            var rows = new List<TimingRow>(ordered.Count);
            for (int i = 0; i < ordered.Count; i++)
                rows.Add(new TimingRow(ordered[i], i + 1, Gap(ordered[i], ordered[0]), ordered[i].CarId == holder));
            long elapsed = session is null ? 0 : session.ElapsedMs + Math.Max(0, clock() - sessionSeenAt);
            return new TimingTable(session, elapsed, rows);
        }
    }

    bool IsRace => session?.Type == PluginSessionType.Race;

    List<CarTiming> Ordered()
    {
        var list = cars.Values.ToList();
        if (IsRace) list.Sort((a, b) => a.Laps != b.Laps ? b.Laps.CompareTo(a.Laps) : a.TotalMs != b.TotalMs ? a.TotalMs.CompareTo(b.TotalMs) : a.CarId.CompareTo(b.CarId));
        else list.Sort((a, b) => (a.BestLapMs ?? long.MaxValue) != (b.BestLapMs ?? long.MaxValue)
            ? (a.BestLapMs ?? long.MaxValue).CompareTo(b.BestLapMs ?? long.MaxValue) : a.CarId.CompareTo(b.CarId));
        return list;
    }

    /// <summary>To the leader: "" for the leader and a car without a lap; "+N lap(s)" or "+s.mmm".</summary>
    string Gap(CarTiming car, CarTiming leader)
    {
        if (car.CarId == leader.CarId) return "";
        if (IsRace)
        {
            if (car.Laps == 0) return "";
            int down = leader.Laps - car.Laps;
            return down > 0 ? $"+{down} lap{(down == 1 ? "" : "s")}" : Seconds(car.TotalMs - leader.TotalMs);
        }
        return car.BestLapMs is { } best && leader.BestLapMs is { } top ? Seconds(best - top) : "";
    }

    public static string Seconds(long ms) => "+" + (ms / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);

    long? OverallBest()
    {
        long? best = null;
        foreach (var c in cars.Values)
            if (c.BestLapMs < (best ?? long.MaxValue)) best = c.BestLapMs;
        return best;
    }

    string DriverOf(int carId) => cars.GetValueOrDefault(carId)?.Driver ?? "";

    static CarTiming Empty(int carId) => new(carId, "", "", "", "", false, false, 0, null, null, 0, 0);

    /// <summary>The session type as the wire names it: booking/practice/qualify/race, else the number.</summary>
    public static string TypeName(PluginSessionType type) => type switch
    {
        PluginSessionType.Booking => "booking",
        PluginSessionType.Practice => "practice",
        PluginSessionType.Qualify => "qualify",
        PluginSessionType.Race => "race",
        _ => ((int)type).ToString(CultureInfo.InvariantCulture),
    };
}
