using System.Globalization;

namespace AcWs.Live;

/// <summary>
/// The grammar of AssettoServer's console output (Serilog: <c>[hh:mm:ss LVL] message</c>, see
/// tests/fixtures/real/logs/assettoserver/): the same <see cref="LiveEvent"/>s as acServer's, plus laps, its
/// readiness, its shutdown and its fatal errors. A line without the <c>[hh:mm:ss LVL]</c> prefix continues the
/// line before (a stack trace, a boxed message) and is never an event, with one exception: the first line after
/// an <c>FTL</c> line is the exception that says why the server failed. Never throws on a line.
/// </summary>
public sealed class AssettoServerGrammar : ILogGrammar
{
    public const string Kind = "AssettoServer";

    // A join is printed as two lines: the address and requested car first, slot and skin when accepted.
    readonly Dictionary<string, (string Host, int Port, string Car)> attempts = new(StringComparer.Ordinal);
    string? nextSession;
    bool afterFatal, fatalSeen;

    const string AttemptSuffix = " is attempting to connect (";
    const string ConnectedSuffix = ")) has connected";
    const string DisconnectedSuffix = " has disconnected";
    const string LapPrefix = "Lap completed by ";
    const string NextSession = "Next session: ";
    const string SwitchSession = "Switching session to id ";
    /// <summary>What AssettoServer prints, without a prefix, after the boxed reason of a failed start.</summary>
    public const string FailedToStart = "AssettoServer has failed to start";

    static readonly IReadOnlyList<LiveEvent> None = [];

    public IReadOnlyList<LiveEvent> Feed(string line)
    {
        try { return Parse(line); }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return None;
        }
    }

    /// <summary>"[07:12:20 INF] text" → ("INF", "text"); null for a continuation line.</summary>
    public static (string Level, string Message)? Split(string line)
    {
        if (line.Length < 14 || line[0] != '[' || line[3] != ':' || line[6] != ':' || line[9] != ' ' || line[13] != ']') return null;
        foreach (int i in (ReadOnlySpan<int>)[1, 2, 4, 5, 7, 8])
            if (!char.IsAsciiDigit(line[i])) return null;
        string level = line[10..13];
        if (!level.All(char.IsAsciiLetterUpper)) return null;
        return (level, line.Length > 14 && line[14] == ' ' ? line[15..] : line[14..]);
    }

    IReadOnlyList<LiveEvent> Parse(string line)
    {
        if (Split(line) is not var (level, text))
        {
            bool reason = afterFatal && line.Trim().Length > 0;
            if (reason) afterFatal = false;
            if (reason || (!fatalSeen && line.StartsWith(FailedToStart, StringComparison.Ordinal)))
            {
                fatalSeen = true;
                return [new FatalError(line.Trim())];
            }
            return None;
        }
        afterFatal = false;
        if (level == "FTL")
        {
            afterFatal = fatalSeen = true;
            return [new FatalError(text.Trim())];
        }
        if (level != "INF") return None;

        if (text.StartsWith(Kind + " ", StringComparison.Ordinal) && text[(Kind.Length + 1)..].Trim() is { Length: > 0 } version && !version.Contains(' '))
            return [new ServerStarting(Kind, version, null, null, [])];
        if (text == "Server startup completed") return [new ServerReady()];
        if (text == "Server shutting down") return [new ServerStopping()];
        if (text.StartsWith(NextSession, StringComparison.Ordinal))
        {
            nextSession = text[NextSession.Length..];
            return None;
        }
        if (text.StartsWith(SwitchSession, StringComparison.Ordinal))
            return nextSession is { } next ? [new SessionStarted(Session(next))] : None;
        if (text.StartsWith(LapPrefix, StringComparison.Ordinal) && Lap(text[LapPrefix.Length..]) is { } lap) return [lap];
        if (text.EndsWith(')') && text.LastIndexOf(AttemptSuffix, StringComparison.Ordinal) is int attempt and > 0)
        {
            // NAME (GUID - HOST:PORT) is attempting to connect (MODEL)
            if (NameAndInside(text[..attempt]) is var (name, inside) && inside.Split(" - ") is [var guid, var address])
            {
                int colon = address.LastIndexOf(':');
                int port = colon > 0 && int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : 0;
                attempts[guid.Trim()] = (colon > 0 ? address[..colon] : address, port, text[(attempt + AttemptSuffix.Length)..^1]);
            }
            return None;
        }
        if (text.EndsWith(ConnectedSuffix, StringComparison.Ordinal))
        {
            // NAME (GUID, SLOT (MODEL-SKIN)) has connected
            string head = text[..^ConnectedSuffix.Length];
            int carOpen = head.LastIndexOf(" (", StringComparison.Ordinal);
            if (carOpen <= 0 || NameAndInside(head[..carOpen] + ")") is not var (name, inside)) return None;
            var parts = inside.Split(", ");
            if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int slot)) return None;
            string guid = parts[0].Trim(), modelSkin = head[(carOpen + 2)..];
            var (host, port, car) = attempts.Remove(guid, out var a) ? a : ("", 0, modelSkin.Split('-')[0]);
            return [new DriverJoined(new Driver(name, host, port, car, guid, "", slot, 0, 0, DateTime.UtcNow))];
        }
        if (text.EndsWith(DisconnectedSuffix, StringComparison.Ordinal) && text[..^DisconnectedSuffix.Length].Trim() is { Length: > 0 } leaving)
            return [new DriverLeft(leaving)];
        return None;
    }

    /// <summary>"NAME (INSIDE)" → (NAME, INSIDE), by the last " (": a name may hold brackets itself.</summary>
    static (string Name, string Inside)? NameAndInside(string text)
    {
        int open = text.LastIndexOf(" (", StringComparison.Ordinal);
        if (open <= 0 || !text.EndsWith(')')) return null;
        return (text[..open], text[(open + 2)..^1]);
    }

    /// <summary>"Practice - Length: 10 minutes" (or "N laps", "Infinite"; older versions print the name only).</summary>
    static ActiveSession Session(string next)
    {
        int dash = next.LastIndexOf(" - Length: ", StringComparison.Ordinal);
        string name = dash >= 0 ? next[..dash] : next, length = dash >= 0 ? next[(dash + 11)..] : "";
        int laps = 0, time = 0;
        if (length.Split(' ') is [var n, var unit] && int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
        {
            if (unit == "laps") laps = value;
            else if (unit == "minutes") time = value;
        }
        return new ActiveSession(AcServerGrammar.SessionType(name), laps, time);
    }

    /// <summary>"NAME, N cuts, laptime 01:35.1230" (mm:ss.ffff; older versions print milliseconds).</summary>
    static LapCompleted? Lap(string text)
    {
        int laptime = text.LastIndexOf(", laptime ", StringComparison.Ordinal);
        if (laptime <= 0) return null;
        int cutsAt = text.LastIndexOf(", ", laptime - 1, StringComparison.Ordinal);
        if (cutsAt <= 0 || text[(cutsAt + 2)..laptime].Split(' ') is not [var n, "cuts"]
            || !int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int cuts)) return null;
        string time = text[(laptime + 10)..].Trim();
        int ms;
        if (int.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out int plain)) ms = plain;
        else if (TimeSpan.TryParseExact(time, [@"mm\:ss\.ffff", @"mm\:ss\.fff", @"h\:mm\:ss\.ffff"], CultureInfo.InvariantCulture, out var span))
            ms = (int)span.TotalMilliseconds;
        else return null;
        return new LapCompleted(text[..cutsAt], ms, cuts);
    }
}
