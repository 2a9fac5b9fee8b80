namespace AcWs.Ini;

/// <summary>One session section of server_cfg.ini ([PRACTICE], [QUALIFY], [RACE], [BOOKING]).</summary>
public sealed record SessionConfig(
    string Section,   // PRACTICE
    string Name,      // NAME=Practice
    int Time,         // TIME (minutes), 0 when absent
    int Laps,         // LAPS, 0 when absent
    int IsOpen,       // IS_OPEN
    int WaitTime);    // WAIT_TIME (seconds)

/// <summary>The typed view of cfg/server_cfg.ini that AcWs reads; names follow the file's keys.</summary>
public sealed record ServerConfig(
    string Name,              // [SERVER] NAME
    IReadOnlyList<string> Cars, // CARS, ';'-separated
    string Track,             // TRACK
    string ConfigTrack,       // CONFIG_TRACK
    int UdpPort,              // UDP_PORT
    int TcpPort,              // TCP_PORT
    int HttpPort,             // HTTP_PORT
    int MaxClients,           // MAX_CLIENTS
    bool RegisterToLobby,     // REGISTER_TO_LOBBY
    bool HasPassword,         // PASSWORD is set (never its value)
    bool HasAdminPassword,    // ADMIN_PASSWORD is set (never its value)
    IReadOnlyList<SessionConfig> Sessions)
{
    public const string Server = "SERVER";

    /// <summary>Session sections in the order acServer runs them.</summary>
    public static readonly string[] SessionSections = ["BOOKING", "PRACTICE", "QUALIFY", "RACE"];

    public static ServerConfig From(IniDocument ini)
    {
        if (!ini.HasSection(Server))
            throw new IniParseException(ini.Name, 1, "no [SERVER] section");
        string S(string key) => ini.Get(Server, key) ?? "";
        return new ServerConfig(
            Name: S("NAME"),
            Cars: S("CARS").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Track: S("TRACK"),
            ConfigTrack: S("CONFIG_TRACK"),
            UdpPort: Int(ini, Server, "UDP_PORT"),
            TcpPort: Int(ini, Server, "TCP_PORT"),
            HttpPort: Int(ini, Server, "HTTP_PORT"),
            MaxClients: Int(ini, Server, "MAX_CLIENTS"),
            RegisterToLobby: Int(ini, Server, "REGISTER_TO_LOBBY") != 0,
            HasPassword: S("PASSWORD").Length > 0,
            HasAdminPassword: S("ADMIN_PASSWORD").Length > 0,
            Sessions: [.. SessionSections.Where(ini.HasSection).Select(s => Session(ini, s))]);
    }

    static SessionConfig Session(IniDocument ini, string section) => new(
        Section: section,
        Name: ini.Get(section, "NAME") is { Length: > 0 } n ? n : DefaultName(section),
        Time: Int(ini, section, "TIME"),
        Laps: Int(ini, section, "LAPS"),
        IsOpen: Int(ini, section, "IS_OPEN"),
        WaitTime: Int(ini, section, "WAIT_TIME"));

    /// <summary>PRACTICE → Practice, the NAME acServer uses when the file gives none.</summary>
    public static string DefaultName(string section) =>
        section.Length == 0 ? section : char.ToUpperInvariant(section[0]) + section[1..].ToLowerInvariant();

    /// <summary>An integer value; absent or empty is 0, anything else that is not a number is a parse error naming the line.</summary>
    public static int Int(IniDocument ini, string section, string key)
    {
        var raw = ini.Get(section, key);
        if (string.IsNullOrEmpty(raw)) return 0;
        if (int.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v)) return v;
        int line = ini.LineOf(section, key);
        throw new IniParseException(ini.Name, line, $"[{section}] {key} must be a whole number, found '{raw}'");
    }
}
