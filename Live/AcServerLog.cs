using System.Globalization;
using System.Text.RegularExpressions;
using AcWs.Commands;

namespace AcWs.Live;

/// <summary>A driver on the server now, as pieced together from acServer's join lines.</summary>
public sealed record Driver(string Name, string Host, int Port, string Car, string Guid, string Team, int Slot, int Ballast, int Restrictor, DateTime Since);

/// <summary>The session acServer announced last.</summary>
public sealed record ActiveSession(string Type, int Laps, int Time);

/// <summary>What acServer told us about the lobby.</summary>
public sealed record LobbyState(bool Connected, DateTime? Since, string? UrlRegister, string? UrlPing, string? LastMsg);

/// <summary>
/// Reads acServer's console output one line at a time and keeps what it says: version, track, cars,
/// who is connected, the active session, the lobby. Each line may give events to push to every client.
/// Never throws on a line it does not understand; such lines are ignored (they are in the log file).
/// </summary>
public sealed partial class AcServerLog(Func<int, (int Ballast, int Restrictor)> slotBallast, LobbyBook? lobby = null)
{
    readonly LobbyBook lobbyBook = lobby ?? new LobbyBook();
    readonly Lock gate = new();
    readonly Dictionary<string, Driver> drivers = new(StringComparer.Ordinal);
    bool expectTimestamp;
    // A join in progress: acServer prints it over several lines.
    string joinHost = "", joinCar = "", joinGuid = "";
    int joinPort, joinSlot = -1;
    string? sessionName;
    int sessionTime;

    public string? Version { get; private set; }
    public string? Timestamp { get; private set; }
    public string? Track { get; private set; }
    public IReadOnlyList<string> Cars { get; private set; } = [];
    public ActiveSession? Session { get; private set; }
    public LobbyState Lobby => lobbyBook.State;
    /// <summary>The register address this run of acServer printed after <c>CALLING</c>, if it did.</summary>
    public string? CalledUrl { get; private set; }

    public IReadOnlyDictionary<string, Driver> Drivers
    {
        get { lock (gate) return new Dictionary<string, Driver>(drivers); }
    }

    [GeneratedRegex(@"^Assetto Corsa Dedicated Server (v\S+)")] private static partial Regex VersionLine();
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")] private static partial Regex TimestampLine();
    [GeneratedRegex(@"^NEW (?:PICKUP )?CONNECTION from\s+(\S+?):(\d+)\s*$")] private static partial Regex ConnectionLine();
    [GeneratedRegex(@"^Looking for available slot by name for GUID (\S+) (\S+)")] private static partial Regex SlotByGuidLine();
    [GeneratedRegex(@"^Slot found (?:by name )?at index (\d+)")] private static partial Regex SlotFoundLine();
    [GeneratedRegex(@"^DRIVER ACCEPTED FOR CAR (\d+)\s*$")] private static partial Regex AcceptedSlotLine();
    [GeneratedRegex(@"^DRIVER:\s+(.*?)\s*\[(.*)\]\s*$")] private static partial Regex DriverLine();
    [GeneratedRegex(@"^(?:Clean exit, )?driver disconnected:\s+(.*?)\s*\[(.*)\]\s*$", RegexOptions.IgnoreCase)] private static partial Regex DisconnectLine();
    [GeneratedRegex(@"^SENDING session (name|time|laps) : (.*?)\s*$")] private static partial Regex SessionLine();
    [GeneratedRegex(@"^ERROR.*REGISTER.*LOBBY", RegexOptions.IgnoreCase)] private static partial Regex LobbyErrorLine();
    [GeneratedRegex("\"([^\"]*)\"")] private static partial Regex Quoted();

    /// <summary>Feeds one line (without its line ending); returns the events it causes, each the data of a pushed frame.</summary>
    public IReadOnlyList<object> Feed(string line)
    {
        lock (gate)
        {
            try { return Parse(line); }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                return [];
            }
        }
    }

    static readonly IReadOnlyList<object> None = [];

    IReadOnlyList<object> Parse(string line)
    {
        Match m;
        if ((m = VersionLine().Match(line)).Success)
        {
            Version = m.Groups[1].Value;
            expectTimestamp = true;
            return None;
        }
        if (expectTimestamp && TimestampLine().IsMatch(line))
        {
            Timestamp = line.Trim();
            expectTimestamp = false;
            return None;
        }
        if (line.StartsWith("TRACK=", StringComparison.Ordinal))
        {
            Track = line[6..].Trim();
            return None;
        }
        if (line.StartsWith("CARS=", StringComparison.Ordinal))
        {
            Cars = [.. Quoted().Matches(line).Select(q => q.Groups[1].Value)];
            return [new ServerEventData(new ServerEventBody(new ServerEvent(
                "Assetto Corsa Dedicated Server starting", Version, Timestamp, Track, Cars)))];
        }
        if ((m = ConnectionLine().Match(line)).Success)
        {
            joinHost = m.Groups[1].Value;
            joinPort = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            joinCar = joinGuid = "";
            joinSlot = -1;
            return None;
        }
        if (line.StartsWith("NEW CONNECTION from", StringComparison.Ordinal))
        {
            // Older acServers print "NEW CONNECTION from <nil>": a join without a known address.
            joinHost = ""; joinPort = 0; joinCar = joinGuid = ""; joinSlot = -1;
            return None;
        }
        if ((m = SlotByGuidLine().Match(line)).Success)
        {
            joinGuid = m.Groups[1].Value;
            joinCar = m.Groups[2].Value;
            return None;
        }
        if (line.StartsWith("REQUESTED CAR: ", StringComparison.Ordinal)) { joinCar = line[15..].Trim().TrimEnd('*'); return None; }
        if (line.StartsWith("GUID: ", StringComparison.Ordinal)) { joinGuid = line[6..].Trim().TrimEnd('*'); return None; }
        if ((m = SlotFoundLine().Match(line)).Success || (m = AcceptedSlotLine().Match(line)).Success)
        {
            joinSlot = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return None;
        }
        if ((m = DriverLine().Match(line)).Success)
        {
            string name = m.Groups[1].Value.Trim();
            if (name.Length == 0) return None;
            var (ballast, restrictor) = joinSlot >= 0 ? slotBallast(joinSlot) : (0, 0);
            var driver = new Driver(name, joinHost, joinPort, joinCar, joinGuid, m.Groups[2].Value.Trim(),
                joinSlot, ballast, restrictor, DateTime.UtcNow);
            drivers[name] = driver;
            joinHost = joinCar = joinGuid = "";
            joinPort = 0;
            joinSlot = -1;
            return [new DriverEventData(DriverView.Of(driver, "joining"))];
        }
        if ((m = DisconnectLine().Match(line)).Success)
        {
            string name = m.Groups[1].Value.Trim();
            // A driver who joined before acws started is removed quietly.
            if (!drivers.Remove(name, out var gone)) return None;
            return [new DriverEventData(DriverView.Of(gone, "leaving"))];
        }
        if ((m = SessionLine().Match(line)).Success)
        {
            string value = m.Groups[2].Value;
            switch (m.Groups[1].Value)
            {
                case "name": sessionName = value; sessionTime = 0; return None;
                case "time": sessionTime = int.Parse(value, CultureInfo.InvariantCulture); return None;
                default:
                    if (sessionName is null) return None;
                    int laps = int.Parse(value, CultureInfo.InvariantCulture);
                    string type = SessionType(sessionName);
                    Session = new ActiveSession(type, laps, sessionTime);
                    sessionName = null;
                    return [new SessionEventData(new SessionEventBody(new SessionEvent(type, laps, sessionTime, $"{type} session starting", true)))];
            }
        }
        if (line.StartsWith("CALLING ", StringComparison.Ordinal) && line.Contains("/register", StringComparison.Ordinal))
        {
            CalledUrl = line[8..].Trim();
            lobbyBook.Update(l => l with { UrlRegister = CalledUrl });
            return None;
        }
        if (line.StartsWith("SENDING http", StringComparison.Ordinal) && line.Contains("/ping", StringComparison.Ordinal))
        {
            lobbyBook.Update(l => l with { UrlPing = line[8..].Trim() });
            return None;
        }
        if (line.StartsWith("RESPONSE: ", StringComparison.Ordinal))
        {
            lobbyBook.Update(l => l with { LastMsg = line[10..].Trim() });
            return None;
        }
        if (line.Trim() == "CONNECTED TO LOBBY")
        {
            lobbyBook.Update(l => l with { Connected = true, Since = DateTime.UtcNow });
            return [LobbyEvent("connected to lobby")];
        }
        if (LobbyErrorLine().IsMatch(line))
        {
            lobbyBook.Update(l => l with { Connected = false, LastMsg = line.Trim() });
            return [LobbyEvent(line.Trim())];
        }
        return None;
    }

    object LobbyEvent(string msg) => new LobbyEventData(new LobbyEventBody(new LobbyEvent(msg, Lobby.Connected)));

    /// <summary>Whether a line is acServer's "registration lost" error (<c>ERROR…REGISTER…LOBBY</c>).</summary>
    public static bool IsLobbyError(string line) => LobbyErrorLine().IsMatch(line);

    /// <summary>acServer says "Qualification"; the protocol and server_cfg.ini say Qualify.</summary>
    public static string SessionType(string acServerName) => acServerName.Trim().ToLowerInvariant() switch
    {
        "qualification" or "qualify" or "qualifying" => "Qualify",
        "practice" or "practise" => "Practice",
        "race" => "Race",
        "booking" => "Booking",
        var other => other.Length == 0 ? other : char.ToUpperInvariant(other[0]) + other[1..],
    };
}
