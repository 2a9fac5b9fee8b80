using System.Text.Json;
using System.Text.Json.Serialization;

namespace AcWs.Commands;

// Every type that goes on the wire, next to the one source-generated context that serialises them.
// Property names become snake_case (UdpPort → "udp_port"); dictionary keys are kept as given.

public sealed record WelcomeData(string Msg, string Version);

public sealed record HelpData(Dictionary<string, string> Commands);

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
    IReadOnlyList<string> Sessions,
    bool Running,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Pid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? UptimeS,
    int DriversConnected,
    bool ForeignProcess,
    TrackerStatus Tracker);
public sealed record ServerInfoData(ServerInfo Server);

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
public sealed record EntriesData(Dictionary<string, EntryView> Entries);

public sealed record SessionView(string Type, string Name, int Laps, int Time, int IsOpen, int WaitTime, bool Active, string Msg);
public sealed record SessionsData(Dictionary<string, SessionView> Sessions);

/// <summary>A <c>server session …</c> edit: what changed, and every session as the pending file has it.</summary>
public sealed record SessionEditData(string Msg, Dictionary<string, SessionView> Pending);
/// <summary><c>server configuration show</c>: the pending sessions and a unified diff of the file on disk against them.</summary>
public sealed record ConfigurationData(string Msg, Dictionary<string, SessionView> Pending, string Diff);
/// <summary><c>server configuration write</c>: <c>server.sessions</c> is what the file on disk now holds.</summary>
public sealed record ConfigurationWrittenData(string Msg, SessionsData Server, string? Note = null);

public sealed record HealthData(string Status, string Version);

/// <summary>A change of the server's state, pushed as <c>{"data":{"server":{"event":{...}}}}</c> (the original's key).</summary>
public sealed record ServerEvent(
    string Msg,
    string? Version = null,
    string? Timestamp = null,
    string? Track = null,
    IReadOnlyList<string>? Cars = null);
public sealed record ServerEventBody(ServerEvent Event);
public sealed record ServerEventData(ServerEventBody Server);

/// <summary>A driver, as in the original's <c>server drivers</c> and joining/leaving events.</summary>
public sealed record DriverView(string Name, string Host, int Port, string Car, string Guid, string Team, int Slot,
    int Ballast, int Restrictor, string Since, string Msg)
{
    public static DriverView Of(Live.Driver d, string msg) => new(d.Name, d.Host, d.Port, d.Car, d.Guid, d.Team, d.Slot,
        d.Ballast, d.Restrictor, d.Since.ToString("o", System.Globalization.CultureInfo.InvariantCulture), msg);
}
public sealed record DriverEventData(DriverView Driver);
public sealed record DriversData(Dictionary<string, DriverView> Drivers);

public sealed record SessionEvent(string Type, int Laps, int Time, string Msg, bool Active);
public sealed record SessionEventBody(SessionEvent Event);
public sealed record SessionEventData(SessionEventBody Session);

public sealed record LobbyEvent(string Msg, bool Connected);
public sealed record LobbyEventBody(LobbyEvent Event);
public sealed record LobbyEventData(LobbyEventBody Lobby);

/// <summary><c>lobby info</c>: <c>since</c> is written as null (never left out) until a registration succeeds.</summary>
public sealed record LobbyView(
    bool Connected,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Since,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? UrlRegister,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? UrlPing,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? LastMsg,
    bool Auto);
public sealed record LobbyInfoData(LobbyView Lobby);
public sealed record LobbyRegisteredData(string Msg, LobbyView Lobby);

/// <summary><c>tracker status</c> and <c>server info</c>'s <c>tracker</c>: pid and since are null while it is stopped.</summary>
public sealed record TrackerStatus(
    bool Running,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Pid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Since);
public sealed record TrackerStatusData(TrackerStatus Tracker);
/// <summary>A change of stracker's state, pushed as <c>{"data":{"tracker":{"event":{...}}}}</c>.</summary>
public sealed record TrackerEvent(string Msg);
public sealed record TrackerEventBody(TrackerEvent Event);
public sealed record TrackerEventData(TrackerEventBody Tracker);

/// <summary><c>server status</c>: pid, started_at and uptime_s are null (not left out) while it is stopped, as in <c>tracker status</c>.</summary>
public sealed record ServerStatus(
    bool Running,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Pid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? UptimeS);
public sealed record ServerStatusData(ServerStatus Server);

/// <summary><c>grid finish|reverse|order</c>: position ("1", "2", …) → driver.</summary>
public sealed record GridData(string? Msg, Dictionary<string, string> Grid, string? Warning = null);

public sealed record GridEntryView(
    string CarId,
    int Position,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? PendingPosition,
    string Model,
    string Skin,
    string Driver,
    string Guid);
public sealed record GridEntriesData(Dictionary<string, GridEntryView> Entries, string? Source = null, string? Warning = null);

public sealed record GridSaveData(string Msg, string? Note = null);

/// <summary>A change of the grid, pushed as <c>{"data":{"grid":{"event":{...}}}}</c>.</summary>
public sealed record GridEvent(string Msg);
public sealed record GridEventBody(GridEvent Event);
public sealed record GridEventData(GridEventBody Grid);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Reply))]
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
[JsonSerializable(typeof(ServerEventData))]
[JsonSerializable(typeof(DriverEventData))]
[JsonSerializable(typeof(DriversData))]
[JsonSerializable(typeof(SessionEventData))]
[JsonSerializable(typeof(LobbyEventData))]
[JsonSerializable(typeof(ServerStatusData))]
[JsonSerializable(typeof(LobbyInfoData))]
[JsonSerializable(typeof(LobbyRegisteredData))]
[JsonSerializable(typeof(TrackerStatusData))]
[JsonSerializable(typeof(TrackerEventData))]
[JsonSerializable(typeof(GridData))]
[JsonSerializable(typeof(GridEntriesData))]
[JsonSerializable(typeof(GridSaveData))]
[JsonSerializable(typeof(GridEventData))]
public sealed partial class WireJson : JsonSerializerContext
{
    /// <summary>
    /// The context replies use: like <see cref="Default"/>, but quotes and accents stay as they are
    /// (<c>'server infp'</c>, not <c>\u0027server infp\u0027</c>). Replies are JSON for programs, never inlined into HTML.
    /// </summary>
    // Built on first use: static initialisers across the generated partial files run in no fixed order.
    public static WireJson Readable => readable ??= new(new JsonSerializerOptions(Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
    static WireJson? readable;
}
