using System.Globalization;

namespace AcWs.Live;

/// <summary>
/// The grammar of Kunos acServer's console output: turns its lines, one at a time, into <see cref="LiveEvent"/>s
/// (start-up banner, drivers joining and leaving, sessions, the lobby). It keeps only what a join spread over
/// several lines needs. Never throws on a line it does not understand; such lines are only logged.
/// </summary>
public sealed class AcServerGrammar : ILogGrammar
{
    // A join in progress: acServer prints it over several lines.
    string joinHost = "", joinCar = "", joinGuid = "";
    int joinPort, joinSlot = -1;
    string? sessionName;
    int sessionTime;
    string? version, timestamp, track;
    bool expectTimestamp;

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

    /// <summary>Feeds one line (without its line ending); returns the events it tells of. Lines come from one reader at a time.</summary>
    public IReadOnlyList<LiveEvent> Feed(string line)
    {
        try { return Parse(line); }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return [];
        }
    }

    static readonly IReadOnlyList<LiveEvent> None = [];

    IReadOnlyList<LiveEvent> Parse(string line)
    {
        if (line.StartsWith(Banner, StringComparison.Ordinal) && line[Banner.Length..].Trim() is ['v', ..] banner)
        {
            version = banner.Split(' ')[0];
            expectTimestamp = true;
            return None;
        }
        if (expectTimestamp && IsTimestamp(line))
        {
            timestamp = line.Trim();
            expectTimestamp = false;
            return None;
        }
        if (line.StartsWith("TRACK=", StringComparison.Ordinal))
        {
            track = line[6..].Trim();
            return None;
        }
        if (line.StartsWith("CARS=", StringComparison.Ordinal))
            return [new ServerStarting("acServer", version, timestamp, track, Quoted(line))];
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
            var driver = new Driver(name, joinHost, joinPort, joinCar, joinGuid, team, joinSlot, 0, 0, DateTime.UtcNow);
            joinHost = joinCar = joinGuid = "";
            joinPort = 0;
            joinSlot = -1;
            return [new DriverJoined(driver)];
        }
        int disconnected = line.IndexOf(Disconnected, StringComparison.OrdinalIgnoreCase);
        if (disconnected >= 0 && NameAndTeam(line[(disconnected + Disconnected.Length)..]) is var (leaving, _))
            return [new DriverLeft(leaving)];
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
                    var session = new ActiveSession(SessionType(sessionName), laps, sessionTime);
                    sessionName = null;
                    return [new SessionStarted(session)];
                default: return None;
            }
        }
        if (line.StartsWith("CALLING ", StringComparison.Ordinal) && line.Contains("/register", StringComparison.Ordinal))
            return [new LobbyCalling(line[8..].Trim())];
        if (line.StartsWith("SENDING http", StringComparison.Ordinal) && line.Contains("/ping", StringComparison.Ordinal))
            return [new LobbyPinging(line[8..].Trim())];
        if (line.StartsWith("RESPONSE: ", StringComparison.Ordinal)) return [new LobbyAnswered(line[10..].Trim())];
        if (line.Trim() == "CONNECTED TO LOBBY") return [new LobbyConnected()];
        if (IsLobbyError(line)) return [new LobbyLost(line.Trim())];
        // acServer is a Go program: a panic is its fatal error.
        if (line.StartsWith("panic: ", StringComparison.Ordinal)) return [new FatalError(line.Trim())];
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
