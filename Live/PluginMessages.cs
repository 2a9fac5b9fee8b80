using System.Numerics;

namespace AcWs.Live;

/// <summary>
/// One datagram acServer's UDP plugin interface sent, decoded by <see cref="PluginProtocol.Decode"/>: the values as
/// the server sent them (ids, milliseconds, raw session type), nothing inferred. Every record is complete: a datagram
/// that ends early or does not fit its layout is never one of these but a <see cref="Decoded.Why"/>.
/// </summary>
public abstract record PluginMessage
{
    /// <summary>50 NEW_SESSION (<see cref="IsNew"/>) or 59 SESSION_INFO, the reply to GET_SESSION_INFO: one session of the server's list.</summary>
    public sealed record SessionInfo(bool IsNew, int ProtocolVersion, int SessionIndex, int CurrentSessionIndex, int SessionCount,
        string ServerName, string Track, string TrackConfig, string Name, PluginSessionType Type, int TimeMinutes, int Laps,
        int WaitSeconds, int AmbientC, int RoadC, string Weather, int ElapsedMs) : PluginMessage;

    /// <summary>51 NEW_CONNECTION, or 52 CONNECTION_CLOSED when <see cref="Connected"/> is false.</summary>
    public sealed record Connection(bool Connected, string DriverName, string DriverGuid, int CarId, string CarModel, string CarSkin) : PluginMessage;

    /// <summary>53 CAR_UPDATE, sent at the rate REALTIMEPOS_INTERVAL asked for.</summary>
    public sealed record CarUpdate(int CarId, Vector3 Position, Vector3 Velocity, int Gear, int EngineRpm, float SplinePosition) : PluginMessage;

    /// <summary>54 CAR_INFO, the reply to GET_CAR_INFO.</summary>
    public sealed record CarInfo(int CarId, bool IsConnected, string Model, string Skin, string DriverName, string Team, string DriverGuid) : PluginMessage;

    /// <summary>55 END_SESSION: the results JSON file name (always empty from AssettoServer).</summary>
    public sealed record EndSession(string ResultsFile) : PluginMessage;

    /// <summary>56 VERSION: the plugin protocol version (4).</summary>
    public sealed record Version(int ProtocolVersion) : PluginMessage;

    /// <summary>57 CHAT: a driver wrote in the chat.</summary>
    public sealed record Chat(int CarId, string Message) : PluginMessage;

    /// <summary>58 CLIENT_LOADED: a car finished loading and is on track.</summary>
    public sealed record ClientLoaded(int CarId) : PluginMessage;

    /// <summary>60 ERROR: the server refused a command (e.g. a session or car index out of range).</summary>
    public sealed record Error(string Message) : PluginMessage;

    /// <summary>73 LAP_COMPLETED: the lap, then the server's whole leaderboard as it stands after it, and the grip level.</summary>
    public sealed record LapCompleted(int CarId, long LapTimeMs, int Cuts, IReadOnlyList<LeaderboardEntry> Leaderboard, float GripLevel) : PluginMessage;

    /// <summary>130 CLIENT_EVENT: a collision, with another car (<see cref="OtherCarId"/> set) or with the environment.</summary>
    public sealed record Collision(int CarId, int? OtherCarId, float ImpactSpeed, Vector3 WorldPosition, Vector3 RelativePosition) : PluginMessage;
}

/// <summary>One row of a LAP_COMPLETED leaderboard. A car without a lap has best lap 999999999.</summary>
public readonly record struct LeaderboardEntry(int CarId, long BestLapMs, int Laps, bool HasCompleted);

/// <summary>The session type byte of 50/59 and SET_SESSION_INFO; other values are kept as they came.</summary>
public enum PluginSessionType : byte { Booking = 0, Practice = 1, Qualify = 2, Race = 3 }
