using System.Globalization;
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
public sealed class AcServerLog(Func<int, (int Ballast, int Restrictor)> slotBallast, LobbyBook? lobby = null)
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

    public int DriverCount { get { lock (gate) return drivers.Count; } }

    public IReadOnlyDictionary<string, Driver> Drivers
    {
        get { lock (gate) return new Dictionary<string, Driver>(drivers); }
    }

    const string Banner = "Assetto Corsa Dedicated Server ";
    const string PickupConnection = "NEW PICKUP CONNECTION from";
    const string Connection = "NEW CONNECTION from";
    const string SlotByGuid = "Looking for available slot by name for GUID ";
    const string SlotFound = "Slot found at index ";
    const string SlotFoundByName = "Slot found by name at index ";
    const string Accepted = "DRIVER ACCEPTED FOR CAR ";
    const string DriverPrefix = "DRIVER:";
    const string Disconnected = "driver disconnected:";
    const string SessionPrefix = "SENDING session ";

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
        if (line.StartsWith(Banner, StringComparison.Ordinal) && line[Banner.Length..].Trim() is ['v', ..] version)
        {
            Version = version.Split(' ')[0];
            expectTimestamp = true;
            return None;
        }
        if (expectTimestamp && IsTimestamp(line))
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
            Cars = Quoted(line);
            return [new ServerEventData(new ServerEventBody(new ServerEvent(
                "Assetto Corsa Dedicated Server starting", Version, Timestamp, Track, Cars)))];
        }
        if (line.StartsWith(PickupConnection, StringComparison.Ordinal) || line.StartsWith(Connection, StringComparison.Ordinal))
        {
            // "NEW PICKUP CONNECTION from  HOST:PORT"; older acServers print "NEW CONNECTION from <nil>": no address.
            string address = line[(line.IndexOf(" from", StringComparison.Ordinal) + 5)..].Trim();
            int colon = address.LastIndexOf(':');
            bool known = colon > 0 && int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out joinPort);
            joinHost = known ? address[..colon] : "";
            if (!known) joinPort = 0;
            joinCar = joinGuid = "";
            joinSlot = -1;
            return None;
        }
        if (line.StartsWith(SlotByGuid, StringComparison.Ordinal))
        {
            var parts = line[SlotByGuid.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2) (joinGuid, joinCar) = (parts[0], parts[1]);
            return None;
        }
        if (line.StartsWith("REQUESTED CAR: ", StringComparison.Ordinal)) { joinCar = line[15..].Trim().TrimEnd('*'); return None; }
        if (line.StartsWith("GUID: ", StringComparison.Ordinal)) { joinGuid = line[6..].Trim().TrimEnd('*'); return None; }
        if ((After(line, SlotFound) ?? After(line, SlotFoundByName) ?? After(line, Accepted)) is { } index
            && int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out int slot))
        {
            joinSlot = slot;
            return None;
        }
        if (line.StartsWith(DriverPrefix, StringComparison.Ordinal) && NameAndTeam(line[DriverPrefix.Length..]) is var (name, team))
        {
            var (ballast, restrictor) = joinSlot >= 0 ? slotBallast(joinSlot) : (0, 0);
            var driver = new Driver(name, joinHost, joinPort, joinCar, joinGuid, team,
                joinSlot, ballast, restrictor, DateTime.UtcNow);
            drivers[name] = driver;
            joinHost = joinCar = joinGuid = "";
            joinPort = 0;
            joinSlot = -1;
            return [new DriverEventData(DriverView.Of(driver, "joining"))];
        }
        int disconnected = line.IndexOf(Disconnected, StringComparison.OrdinalIgnoreCase);
        if (disconnected >= 0 && NameAndTeam(line[(disconnected + Disconnected.Length)..]) is var (leaving, _))
        {
            // A driver who joined before acws started is removed quietly.
            if (!drivers.Remove(leaving, out var gone)) return None;
            return [new DriverEventData(DriverView.Of(gone, "leaving"))];
        }
        if (line.StartsWith(SessionPrefix, StringComparison.Ordinal) && line.IndexOf(" : ", StringComparison.Ordinal) is int sep and > 0)
        {
            string value = line[(sep + 3)..].Trim();
            switch (line[SessionPrefix.Length..sep])
            {
                case "name": sessionName = value; sessionTime = 0; return None;
                case "time": sessionTime = int.Parse(value, CultureInfo.InvariantCulture); return None;
                case "laps":
                    if (sessionName is null) return None;
                    int laps = int.Parse(value, CultureInfo.InvariantCulture);
                    string type = SessionType(sessionName);
                    Session = new ActiveSession(type, laps, sessionTime);
                    sessionName = null;
                    return [new SessionEventData(new SessionEventBody(new SessionEvent(type, laps, sessionTime, $"{type} session starting", true)))];
                default: return None;
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
        if (IsLobbyError(line))
        {
            lobbyBook.Update(l => l with { Connected = false, LastMsg = line.Trim() });
            return [LobbyEvent(line.Trim())];
        }
        return None;
    }

    /// <summary>The text after <paramref name="prefix"/>, trimmed, when the line starts with it.</summary>
    static string? After(string line, string prefix) =>
        line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..].Trim() : null;

    /// <summary>"  NAME [TEAM]" → (NAME, TEAM); null unless there is a name and a bracketed team (acServer always prints one).</summary>
    static (string Name, string Team)? NameAndTeam(string text)
    {
        text = text.Trim();
        int open = text.LastIndexOf('[');
        if (open < 0 || !text.EndsWith(']')) return null;
        string name = text[..open].Trim();
        return name.Length == 0 ? null : (name, text[(open + 1)..^1].Trim());
    }

    /// <summary>2022-07-22 10:42:32…: the time line acServer prints after its banner.</summary>
    static bool IsTimestamp(string line) =>
        line.Length >= 19 && line[4] == '-' && line[7] == '-' && line[10] == ' ' && line[13] == ':' && line[16] == ':'
        && char.IsAsciiDigit(line[0]) && char.IsAsciiDigit(line[3]) && char.IsAsciiDigit(line[18]);

    /// <summary>Whether a line is acServer's "registration lost" error: ERROR…REGISTER…LOBBY, in any case.</summary>
    public static bool IsLobbyError(string line)
    {
        if (!line.StartsWith("ERROR", StringComparison.OrdinalIgnoreCase)) return false;
        int register = line.IndexOf("REGISTER", StringComparison.OrdinalIgnoreCase);
        return register >= 0 && line.IndexOf("LOBBY", register, StringComparison.OrdinalIgnoreCase) >= 0;
    }

    /// <summary>The "quoted" strings of a line: CARS=["a" "b"] or CARS=["a","b"].</summary>
    static string[] Quoted(string line)
    {
        var found = new List<string>();
        for (int open = line.IndexOf('"'); open >= 0;)
        {
            int close = line.IndexOf('"', open + 1);
            if (close < 0) break;
            found.Add(line[(open + 1)..close]);
            open = line.IndexOf('"', close + 1);
        }
        return [.. found];
    }

    object LobbyEvent(string msg) => new LobbyEventData(new LobbyEventBody(LobbyCommands.EventOf(Lobby, msg)));

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
