namespace AcWs.Live;

/// <summary>
/// What the running server's events add up to: who and what it is, who is on it, the active session, and the
/// lobby as it reported it. <see cref="Apply"/> takes one event at a time and returns the events clients should
/// hear of (a leaving driver nobody saw join is dropped; a joining one gets its slot's ballast). A new server run
/// starts from a new state; the lobby book outlives runs.
/// </summary>
public sealed class LiveState(Func<int, (int Ballast, int Restrictor)> slotBallast, LobbyBook lobby, TimeSpan lostLineGrace = default)
{
    readonly Lock gate = new();
    readonly Dictionary<string, Driver> drivers = new(StringComparer.Ordinal);

    public string? Kind { get; private set; }
    public string? Version { get; private set; }
    public string? Timestamp { get; private set; }
    public string? Track { get; private set; }
    public IReadOnlyList<string> Cars { get; private set; } = [];
    public ActiveSession? Session { get; private set; }
    public LobbyState Lobby => lobby.State;
    /// <summary>The register address this run printed after <c>CALLING</c>, if it did.</summary>
    public string? CalledUrl { get; private set; }

    /// <summary>Whether the server said it is up (only AssettoServer says so).</summary>
    public bool Ready { get; private set; }
    /// <summary>Whether the server said it is going down.</summary>
    public bool Stopping { get; private set; }
    /// <summary>The fatal error the server printed, as printed (see <see cref="FatalError"/>).</summary>
    public string? FatalReason { get; private set; }

    public int DriverCount { get { lock (gate) return drivers.Count; } }

    public IReadOnlyDictionary<string, Driver> Drivers
    {
        get { lock (gate) return new Dictionary<string, Driver>(drivers); }
    }

    /// <summary>Every driver, gone at once (the server stopped or died): one <see cref="DriverGone"/> each, in join order.</summary>
    public IReadOnlyList<DriverGone> ClearDrivers()
    {
        lock (gate)
        {
            var gone = drivers.Values.OrderBy(d => d.Since).Select(d => new DriverGone(d)).ToList();
            drivers.Clear();
            return gone;
        }
    }

    /// <summary>Takes one event into the state; returns it (completed) when clients should hear of it, else null.</summary>
    public LiveEvent? Apply(LiveEvent e)
    {
        lock (gate)
        {
            switch (e)
            {
                case ServerStarting s:
                    (Kind, Version, Timestamp, Track, Cars) = (s.Kind, s.Version, s.Timestamp, s.Track, s.Cars);
                    return s;
                case DriverJoined j:
                    var (ballast, restrictor) = j.Driver.Slot >= 0 ? slotBallast(j.Driver.Slot) : (0, 0);
                    var driver = j.Driver with { Ballast = ballast, Restrictor = restrictor };
                    drivers[driver.Name] = driver;
                    return new DriverJoined(driver);
                case DriverLeft l:
                    // A driver who joined before acws started leaves quietly.
                    return drivers.Remove(l.Name, out var gone) ? new DriverGone(gone) : null;
                case LapCompleted lap:
                    // A driver who joined before acws started is known by name only.
                    var lapper = drivers.TryGetValue(lap.Name, out var known) ? known : new Driver(lap.Name, "", 0, "", "", "", -1, 0, 0, DateTime.UtcNow);
                    return new DriverLapped(lapper, lap);
                case ServerReady:
                    Ready = true;
                    return null;
                case ServerStopping:
                    Stopping = true;
                    return null;
                case FatalError f:
                    FatalReason = f.Reason;
                    return null;
                case SessionStarted s:
                    Session = s.Session;
                    return s;
                case LobbyCalling c:
                    CalledUrl = c.Url;
                    lobby.Update(l => l with { UrlRegister = c.Url });
                    return null;
                case LobbyPinging p:
                    lobby.Update(l => l with { UrlPing = p.Url });
                    return null;
                case LobbyAnswered a:
                    lobby.Update(l => l with { LastMsg = a.Answer });
                    return null;
                case LobbyConnected:
                    lobby.Update(l => l with { Connected = true, Since = DateTime.UtcNow });
                    return e;
                case LobbyLost lost:
                    // acServer prints a lost registration in two lines; when a re-registration answered between
                    // them (a loaded machine reads the second line late), that line is old news, not a new loss.
                    lobby.Update(l =>
                    {
                        var now = DateTime.UtcNow;
                        bool sameBurst = l.LostAt is { } began && now - began < lostLineGrace;
                        if (sameBurst && l.Since > l.LostAt) return l with { LastMsg = lost.Line };
                        return l with { Connected = false, LastMsg = lost.Line, LostAt = sameBurst ? l.LostAt : now };
                    });
                    return e;
                default:
                    return e;
            }
        }
    }

}

/// <summary>A driver known to the state left (what <see cref="DriverLeft"/> becomes once the state knew them).</summary>
public sealed record DriverGone(Driver Driver) : LiveEvent;

/// <summary>A driver completed a lap (what <see cref="LapCompleted"/> becomes with the driver as the state knows them).</summary>
public sealed record DriverLapped(Driver Driver, LapCompleted Lap) : LiveEvent;
