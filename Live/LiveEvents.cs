namespace AcWs.Live;

/// <summary>A driver on the server now, as pieced together from the server's join lines.</summary>
public sealed record Driver(string Name, string Host, int Port, string Car, string Guid, string Team, int Slot, int Ballast, int Restrictor, DateTime Since);

/// <summary>The session the server announced last.</summary>
public sealed record ActiveSession(string Type, int Laps, int Time);

/// <summary>What the server told us about the lobby; <see cref="LostAt"/> is when its latest "lost" burst began.</summary>
public sealed record LobbyState(bool Connected, DateTime? Since, string? UrlRegister, string? UrlPing, string? LastMsg, DateTime? LostAt = null);

/// <summary>
/// Something a server's output says happened, in plain domain terms: no JSON, no wire names. A log grammar
/// turns lines into these; <see cref="LiveState"/> keeps what they add up to; one wire mapping
/// (<c>Commands/WireEvents.cs</c>) turns the ones clients hear of into frames.
/// </summary>
public abstract record LiveEvent;

/// <summary>The server printed who it is and what it runs (its start-up banner).</summary>
public sealed record ServerStarting(string Kind, string? Version, string? Timestamp, string? Track, IReadOnlyList<string> Cars) : LiveEvent;
/// <summary>A driver is on the server (ballast and restrictor are filled in by <see cref="LiveState"/> from the entry list).</summary>
public sealed record DriverJoined(Driver Driver) : LiveEvent;
/// <summary>A driver left; <see cref="Name"/> is all the line says.</summary>
public sealed record DriverLeft(string Name) : LiveEvent;
public sealed record SessionStarted(ActiveSession Session) : LiveEvent;
/// <summary>The server is calling the lobby's register address.</summary>
public sealed record LobbyCalling(string Url) : LiveEvent;
public sealed record LobbyPinging(string Url) : LiveEvent;
public sealed record LobbyAnswered(string Answer) : LiveEvent;
public sealed record LobbyConnected : LiveEvent;
/// <summary>The server says its lobby registration is lost (the line, as printed).</summary>
public sealed record LobbyLost(string Line) : LiveEvent;

/// <summary>A driver completed a lap (AssettoServer prints each): the lap time in milliseconds and its track-limit cuts.</summary>
public sealed record LapCompleted(string Name, int TimeMs, int Cuts) : LiveEvent;
/// <summary>The server says it is up and taking drivers (AssettoServer: <c>Server startup completed</c>).</summary>
public sealed record ServerReady : LiveEvent;
/// <summary>The server says it is going down (AssettoServer: <c>Server shutting down</c>).</summary>
public sealed record ServerStopping : LiveEvent;
/// <summary>
/// The server printed a fatal error, <see cref="Reason"/> as printed. A grammar may send a second one that says it
/// better (AssettoServer: the exception line after <c>[… FTL] Fatal exception occurred</c>); the last one counts.
/// </summary>
public sealed record FatalError(string Reason) : LiveEvent;

// ---- heard over the UDP plugin link (Live/LiveTiming.cs) ----

/// <summary>A session began ("new", 50 NEW_SESSION) or ended ("end", 55 END_SESSION, with the results file if the server named one).</summary>
public sealed record PluginSessionChanged(string State, PluginMessage.SessionInfo? Session, string? ResultsFile) : LiveEvent;
/// <summary>A car "connected" (51), "loaded" (58) or "disconnected" (52), as the timing table has it now.</summary>
public sealed record CarChanged(CarTiming Car, string State) : LiveEvent;
/// <summary>A lap (73): the car after it, the lap, its position after it, and whether it is a personal or the session's best.</summary>
public sealed record LapTimed(CarTiming Car, long LapMs, int Cuts, int Position, bool PersonalBest, bool OverallBest) : LiveEvent;
/// <summary>A driver wrote in the chat (57), or an admin sent a message (car null, driver "admin").</summary>
public sealed record ChatHeard(int? CarId, string Driver, string Message, string? To = null) : LiveEvent;
/// <summary>A collision (130) with another car or (other null) with the environment; the impact speed as the server sent it.</summary>
public sealed record CollisionHeard(int CarId, string Driver, int? OtherCarId, string? OtherDriver, float ImpactSpeed) : LiveEvent;

/// <summary>Turns one server's console output, one line at a time, into events. Never throws on a line it does not know.</summary>
public interface ILogGrammar
{
    IReadOnlyList<LiveEvent> Feed(string line);
}
