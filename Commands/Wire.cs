using System.Text.Json;
using System.Text.Json.Serialization;

namespace AcWs.Commands;

// Every type that goes on the wire, next to the one source-generated context that serialises them.

/// <summary>
/// A type that goes on the wire as a reply's <c>data</c> or a pushed event's payload: <see cref="Reply.Ok"/> takes
/// only these, and a test checks that each is in <see cref="WireJson"/> (a missing one would fail only at run time).
/// </summary>
public interface IWireData;
// Property names become snake_case (UdpPort → "udp_port"); dictionary keys are kept as given.

public sealed record WelcomeData(string Msg, string Version) : IWireData;

public sealed record HelpData(Dictionary<string, string> Commands) : IWireData;

/// <summary>
/// <c>server info</c>, a superset of the original's: <c>sessions</c> keyed by session name (as in <c>server sessions</c>),
/// <c>entries</c> keyed by slot number ("0", "1", …), <c>timestamp</c>, <c>child_ini_file</c> and <c>lobby</c>, which its
/// GUI client reads; the rest is acws's own.
/// </summary>
public sealed record ServerInfo(
    string Name,
    string Track,
    string ConfigTrack,
    IReadOnlyList<string> Cars,
    int HttpPort,
    int TcpPort,
    int UdpPort,
    int MaxClients,
    bool RegisterToLobby,
    bool HasPassword,
    bool HasAdminPassword,
    Dictionary<string, SessionView> Sessions,
    Dictionary<string, EntryView> Entries,
    string ChildIniFile,
    bool Running,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Pid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? UptimeS,
    int DriversConnected,
    bool ForeignProcess,
    LobbyView Lobby,
    TrackerStatus Tracker,
    string? EntriesError = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Kind = null,
    ExtraCfgView? ExtraCfg = null,
    ServerPluginView? Plugin = null);
public sealed record ServerInfoData(ServerInfo Server) : IWireData;

/// <summary>AssettoServer's cfg/extra_cfg.yml: whether it is there and whether it enables the UDP plugin (null: not said).</summary>
public sealed record ExtraCfgView(bool Present, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] bool? UdpPlugin);

public sealed record EntryView(
    string CarId,
    string Model,
    string Skin,
    string SpectatorMode,
    string Drivername,
    string Team,
    string Guid,
    string Ballast,
    string Restrictor);
public sealed record EntriesData(Dictionary<string, EntryView> Entries) : IWireData;

public sealed record SessionView(string Type, string Name, int Laps, int Time, int IsOpen, int WaitTime, bool Active, string Msg);
public sealed record SessionsData(Dictionary<string, SessionView> Sessions) : IWireData;

/// <summary>A <c>server session …</c> edit: what changed, and every session as the pending file has it.</summary>
public sealed record SessionEditData(string Msg, Dictionary<string, SessionView> Pending, string? Warning = null) : IWireData;
/// <summary><c>server configuration show</c>: the pending sessions and a unified diff of the file on disk against them.</summary>
public sealed record ConfigurationData(string Msg, Dictionary<string, SessionView> Pending, string Diff, bool? Stale = null) : IWireData;
/// <summary>
/// <c>server configuration write</c>: <c>server</c> is the whole <c>server info</c> after the write (the original's
/// client replaces its server state with it, so it must carry <c>running</c>); its sessions are what the file now holds.
/// </summary>
public sealed record ConfigurationWrittenData(string Msg, ServerInfo Server, string? Note = null) : IWireData;

public sealed record HealthData(string Status, string Version) : IWireData;

/// <summary>
/// What acServer printed at start-up, pushed as <c>{"data":{"server":{"event":{...}}}}</c> (the original's key).
/// The original's client reads <c>version</c> and <c>timestamp</c> from every such event, so both are always written.
/// </summary>
public sealed record ServerEvent(
    string Msg,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Version = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Timestamp = null,
    string? Track = null,
    IReadOnlyList<string>? Cars = null) : IWireData;

/// <summary>A driver, as in the original's <c>server drivers</c> and joining/leaving events.</summary>
public sealed record DriverView(string Name, string Host, int Port, string Car, string Guid, string Team, int Slot,
    int Ballast, int Restrictor, string Since, string Msg) : IWireData
{
    public static DriverView Of(Live.Driver d, string msg) => new(d.Name, d.Host, d.Port, d.Car, d.Guid, d.Team, d.Slot,
        d.Ballast, d.Restrictor, d.Since.ToString("o", System.Globalization.CultureInfo.InvariantCulture), msg);
}
/// <summary>
/// A completed lap (AssettoServer prints them; acServer does not), pushed as <c>{"data":{"lap":{...}}}</c> under
/// topic <c>lap</c>: not under the original's <c>driver</c> key, whose clients take every driver event that is not
/// "joining" for a driver leaving. <c>time</c> is mm:ss.fff; <c>cuts</c> the track-limit cuts.
/// </summary>
public sealed record LapEvent(string Name, string Guid, string Car, int Slot, int TimeMs, string Time, int Cuts, string Msg) : IWireData
{
    public static LapEvent Of(Live.Driver d, Live.LapCompleted lap)
    {
        string time = Format(lap.TimeMs);
        return new(d.Name, d.Guid, d.Car, d.Slot, lap.TimeMs, time, lap.Cuts, $"{d.Name} completed a lap in {time}");
    }

    /// <summary>A lap time as mm:ss.fff (h:mm:ss.fff from an hour).</summary>
    public static string Format(long ms) => TimeSpan.FromMilliseconds(ms).ToString(ms >= 3_600_000 ? @"h\:mm\:ss\.fff" : @"mm\:ss\.fff",
        System.Globalization.CultureInfo.InvariantCulture);
}
public sealed record DriversData(Dictionary<string, DriverView> Drivers) : IWireData;

public sealed record SessionEvent(string Type, int Laps, int Time, string Msg, bool Active) : IWireData;

/// <summary>A change of the lobby registration; <c>timestamp</c> is since when it is registered (null while it is not).</summary>
public sealed record LobbyEvent(
    string Msg,
    bool Connected,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? UrlRegister,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? UrlPing) : IWireData;

/// <summary>
/// <c>lobby info</c> and <c>server info</c>'s <c>lobby</c>: <c>since</c> and <c>timestamp</c> (the original's name for it)
/// are written as null (never left out) until a registration succeeds. <c>event</c> is set on <c>lobby restart</c>'s reply.
/// </summary>
public sealed record LobbyView(
    bool Connected,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Since,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? UrlRegister,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? UrlPing,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? LastMsg,
    bool Auto,
    LobbyEvent? Event = null);
public sealed record LobbyInfoData(LobbyView Lobby) : IWireData;
public sealed record LobbyRegisteredData(string Msg, LobbyView Lobby) : IWireData;

/// <summary>
/// <c>tracker status</c> and <c>server info</c>'s <c>tracker</c>: pid, since and timestamp (the original's name for
/// since) are null while it is stopped.
/// </summary>
public sealed record TrackerStatus(
    bool Running,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Pid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Since,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Timestamp);
/// <summary>
/// <c>tracker status|start|stop</c>: the status under <c>tracker</c> (acws's key) and <c>stracker</c> (the original's);
/// <c>msg</c> says what changed, in the original's words.
/// </summary>
public sealed record TrackerStatusData(TrackerStatus Tracker, TrackerStatus Stracker, string? Msg = null) : IWireData;

/// <summary><c>server status</c>: pid, started_at and uptime_s are null (not left out) while it is stopped, as in <c>tracker status</c>.</summary>
public sealed record ServerStatus(
    bool Running,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Pid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? UptimeS);
public sealed record ServerStatusData(ServerStatus Server) : IWireData;

/// <summary><c>grid finish|reverse|order</c>: position ("1", "2", …) → driver.</summary>
public sealed record GridData(string? Msg, Dictionary<string, string> Grid, string? Warning = null) : IWireData;

public sealed record GridEntryView(
    string CarId,
    int Position,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? PendingPosition,
    string Model,
    string Skin,
    string Driver,
    string Guid);
public sealed record GridEntriesData(Dictionary<string, GridEntryView> Entries, string? Source = null, string? Warning = null) : IWireData;

public sealed record GridSaveData(string Msg, string? Note = null) : IWireData;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // Written, never read: only the generated writers, no property metadata (see WireJson.Write.cs).
    GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(MsgData))]
[JsonSerializable(typeof(WelcomeData))]
[JsonSerializable(typeof(HelpData))]
[JsonSerializable(typeof(ServerInfoData))]
[JsonSerializable(typeof(EntriesData))]
[JsonSerializable(typeof(SessionsData))]
[JsonSerializable(typeof(SessionEditData))]
[JsonSerializable(typeof(ConfigurationData))]
[JsonSerializable(typeof(ConfigurationWrittenData))]
[JsonSerializable(typeof(HealthData))]
[JsonSerializable(typeof(LapEvent))]
[JsonSerializable(typeof(DriversData))]
[JsonSerializable(typeof(ServerEvent))]
[JsonSerializable(typeof(DriverView))]
[JsonSerializable(typeof(SessionEvent))]
[JsonSerializable(typeof(LobbyEvent))]
[JsonSerializable(typeof(ServerStatusData))]
[JsonSerializable(typeof(LobbyInfoData))]
[JsonSerializable(typeof(LobbyRegisteredData))]
[JsonSerializable(typeof(TrackerStatusData))]
[JsonSerializable(typeof(GridData))]
[JsonSerializable(typeof(GridEntriesData))]
[JsonSerializable(typeof(GridSaveData))]
// The UDP plugin link's (Commands/LiveWire.cs).
[JsonSerializable(typeof(LiveData))]
[JsonSerializable(typeof(LiveLapEvent))]
[JsonSerializable(typeof(ChatEvent))]
[JsonSerializable(typeof(CollisionEvent))]
[JsonSerializable(typeof(CarEvent))]
[JsonSerializable(typeof(LiveSessionEvent))]
[JsonSerializable(typeof(CarInfoData))]
public sealed partial class WireJson : JsonSerializerContext;
