using System.Globalization;
using System.Text.Json.Serialization;
using AcWs.Live;
using AcWs.Runtime;

namespace AcWs.Commands;

// The wire shapes of the UDP plugin link: the `live` table, its pushed events, and `server info`'s plugin keys.

/// <summary><c>live</c>: the whole timing table, enough for a client to draw it from nothing (after a reconnect).</summary>
public sealed record LiveData(string Msg, LiveView Live) : IWireData;

public sealed record LiveView([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] LiveSessionView? Session,
    IReadOnlyList<LiveCarView> Cars, PluginView Plugin)
{
    public static LiveView Of(LivePlugin plugin)
    {
        var table = plugin.Link is null ? new TimingTable(null, 0, []) : plugin.Timing.Table();
        return new(LiveSessionView.Of(table.Session, table.ElapsedMs), [.. table.Rows.Select(LiveCarView.Of)], PluginView.Of(plugin));
    }
}

public sealed record LiveSessionView(string Name, string Type, int Index, int Count, int Laps, int TimeMinutes, long ElapsedMs,
    string Track, string TrackConfig, string ServerName)
{
    public static LiveSessionView? Of(PluginMessage.SessionInfo? s, long elapsedMs) => s is null ? null
        : new(s.Name, LiveTiming.TypeName(s.Type), s.CurrentSessionIndex, s.SessionCount, s.Laps, s.TimeMinutes, elapsedMs, s.Track, s.TrackConfig, s.ServerName);
}

public sealed record LiveCarView(int CarId, string Driver, string Guid, string Model, string Skin, bool Connected, bool Loaded, int Laps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? LastLapMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? BestLapMs,
    int Cuts, int Position, string Gap, long TotalMs, bool OverallBest)
{
    public static LiveCarView Of(TimingRow row)
    {
        var c = row.Car;
        return new(c.CarId, c.Driver, c.Guid, c.Model, c.Skin, c.Connected, c.Loaded, c.Laps, c.LastLapMs, c.BestLapMs, c.Cuts,
            row.Position, row.Gap, c.TotalMs, row.OverallBest);
    }
}

/// <summary>The link: where it listens and sends, where it forwards, what it received; or why there is none.</summary>
public sealed record PluginView(bool Linked, string? Address = null, int? LocalPort = null, IReadOnlyList<string>? Forward = null,
    long? Received = null, long? Malformed = null, long? Foreign = null, string? Msg = null)
{
    public static PluginView Of(LivePlugin plugin) => plugin.Link is { } link
        ? new(true, link.Address, link.LocalPort, [.. link.Forward], link.Received, link.Counts.MalformedTotal, link.Foreign)
        : new(false, Msg: $"no UDP plugin link: {plugin.WhyNotLinked()}");
}

/// <summary><c>server info</c>'s <c>plugin</c>: whether server_cfg.ini sets both keys, their values, and whether a link is up now.</summary>
public sealed record ServerPluginView(bool Enabled,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? LocalPort,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Address,
    bool Linked, string? Msg)
{
    public static ServerPluginView Of(PluginKeys keys, LivePlugin plugin) =>
        new(keys.Set, keys.LocalPort, keys.Address, plugin.Link is not null, keys.Error is { } e ? $"{e}; {PluginKeys.HowToEnable}" : null);
}

/// <summary>A lap over the plugin link: the log lap's keys (name, time, …) and the timing's (car_id, position, bests).</summary>
public sealed record LiveLapEvent(string Name, string Guid, string Car, int Slot, long TimeMs, string Time, int Cuts, string Msg,
    int CarId, string Driver, long LapMs, int Laps, int Position, bool PersonalBest, bool OverallBest) : IWireData
{
    public static LiveLapEvent Of(LapTimed l)
    {
        var c = l.Car;
        string time = LapEvent.Format(l.LapMs);
        return new(c.Driver, c.Guid, c.Model, c.CarId, l.LapMs, time, l.Cuts, $"{c.Driver} completed a lap in {time}",
            c.CarId, c.Driver, l.LapMs, c.Laps, l.Position, l.PersonalBest, l.OverallBest);
    }
}

/// <summary>A chat line: a driver's, or an admin's (car_id null, driver "admin", <c>to</c> the driver it went to or "all").</summary>
public sealed record ChatEvent([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? CarId, string Driver, string Message, string? To = null) : IWireData;

/// <summary><c>car</c>: what acServer answered about a car (54 CAR_INFO).</summary>
public sealed record CarInfoData(string Msg, CarInfoView Car) : IWireData;
public sealed record CarInfoView(int CarId, bool Connected, string Model, string Skin, string Driver, string Team, string Guid);

public sealed record CollisionEvent(int CarId, string Driver,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? OtherCarId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? OtherDriver,
    double ImpactSpeed) : IWireData;

public sealed record CarEvent(int CarId, string Driver, string Guid, string Model, string State) : IWireData;

/// <summary>
/// A session over the plugin link, under the existing <c>session</c> topic: the log session event's keys
/// (type as acServer names it, laps, time, msg, active) and the link's (state, name, results_file, index, count).
/// </summary>
public sealed record LiveSessionEvent(string Type, int Laps, int Time, string Msg, bool Active, string State, string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ResultsFile, int Index, int Count) : IWireData
{
    public static LiveSessionEvent Of(PluginSessionChanged s)
    {
        var info = s.Session;
        string type = info is null ? "" : Capitalised(LiveTiming.TypeName(info.Type));
        bool isNew = s.State == "new";
        return new(type, info?.Laps ?? 0, info?.TimeMinutes ?? 0, $"{type} session {(isNew ? "starting" : "over")}".TrimStart(), isNew,
            s.State, info?.Name ?? "", s.ResultsFile, info?.CurrentSessionIndex ?? 0, info?.SessionCount ?? 0);
    }

    /// <summary>"race" → "Race", as the log's session events name the type.</summary>
    static string Capitalised(string type) => type.Length == 0 ? type : char.ToUpperInvariant(type[0]) + type[1..];
}
