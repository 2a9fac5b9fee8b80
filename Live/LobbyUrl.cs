using System.Globalization;
using System.Text;
using AcWs.Ini;

namespace AcWs.Live;

/// <summary>
/// The lobby register address acServer v1.15 calls, built from cfg/server_cfg.ini (and the entry list's
/// FIXED_SETUP). Parameter list, order and encoding follow the real <c>CALLING …/register?…</c> lines in
/// tests/fixtures: values escaped like Go's url.QueryEscape (space → +, # → %23, cars joined with %2C),
/// the session and duration lists joined with a bare comma.
/// </summary>
public static class LobbyUrl
{
    /// <summary>acServer v1.15's protocol version, as it sends it.</summary>
    public const int ProtocolVersion = 202;

    public static string Register(string baseUrl, IniDocument serverCfg, IniDocument? entryList)
    {
        var cfg = ServerConfig.From(serverCfg);
        string S(string key) => serverCfg.Get(ServerConfig.Server, key)?.Trim() ?? "";
        int I(string key) => ServerConfig.Int(serverCfg, ServerConfig.Server, key);
        string Flag(string key) => I(key) != 0 ? "1" : "0";

        // 1 practice, 2 qualify, 3 race; practice and qualify last TIME minutes (sent in seconds),
        // the race LAPS laps, or TIME minutes (in seconds, with timed=1) when it has no laps.
        var sessions = new List<string>();
        var durations = new List<string>();
        bool timed = false;
        foreach (var s in cfg.Sessions)
        {
            switch (s.Section)
            {
                case "PRACTICE": sessions.Add("1"); durations.Add(Num(s.Time * 60)); break;
                case "QUALIFY": sessions.Add("2"); durations.Add(Num(s.Time * 60)); break;
                case "RACE":
                    sessions.Add("3");
                    timed = s.Laps == 0 && s.Time > 0;
                    durations.Add(timed ? Num(s.Time * 60) : Num(s.Laps));
                    break;
            }
        }
        string track = cfg.ConfigTrack.Length > 0 ? $"{cfg.Track}-{cfg.ConfigTrack}" : cfg.Track;
        int pitStart = I("RACE_PIT_WINDOW_START"), pitEnd = I("RACE_PIT_WINDOW_END");

        var q = new StringBuilder(baseUrl.TrimEnd('/')).Append("/register?");
        q.Append("name=").Append(Escape(cfg.Name));
        q.Append("&port=").Append(Num(cfg.UdpPort));
        q.Append("&tcp_port=").Append(Num(cfg.TcpPort));
        q.Append("&max_clients=").Append(Num(cfg.MaxClients));
        q.Append("&track=").Append(Escape(track));
        q.Append("&cars=").Append(Escape(string.Join(',', cfg.Cars)));
        q.Append("&timeofday=").Append(Num(I("SUN_ANGLE")));
        q.Append("&sessions=").Append(string.Join(',', sessions));
        q.Append("&durations=").Append(string.Join(',', durations));
        q.Append("&password=").Append(cfg.HasPassword ? "1" : "0");
        q.Append("&version=").Append(Num(ProtocolVersion));
        q.Append("&pickup=").Append(Flag("PICKUP_MODE_ENABLED"));
        q.Append("&autoclutch=").Append(Flag("AUTOCLUTCH_ALLOWED"));
        q.Append("&abs=").Append(Num(I("ABS_ALLOWED")));
        q.Append("&tc=").Append(Num(I("TC_ALLOWED")));
        q.Append("&stability=").Append(Flag("STABILITY_ALLOWED"));
        q.Append("&legal_tyres=").Append(Escape(S("LEGAL_TYRES")));
        q.Append("&fixed_setup=").Append(HasFixedSetup(entryList) ? "1" : "0");
        q.Append("&timed=").Append(timed ? "1" : "0");
        q.Append("&extra=").Append(Flag("RACE_EXTRA_LAP"));
        q.Append("&pit=").Append(pitEnd > pitStart ? "1" : "0");
        q.Append("&inverted=").Append(Num(I("REVERSED_GRID_RACE_POSITIONS")));
        return q.ToString();
    }

    static bool HasFixedSetup(IniDocument? entryList)
    {
        if (entryList is null) return false;
        try { return EntryList.From(entryList).Any(slot => entryList.Get(slot.Section, "FIXED_SETUP") is { Length: > 0 }); }
        catch (IniParseException) { return false; }
    }

    static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Go's url.QueryEscape: unreserved characters stay, space becomes +, everything else %XX (UTF-8).</summary>
    public static string Escape(string value) => Uri.EscapeDataString(value).Replace("%20", "+");
}
