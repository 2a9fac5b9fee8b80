using System.Globalization;
using AcWs.Live;

namespace AcWs.Commands;

/// <summary>A pushed frame of something that happened: its topic, what it says, and whether the original nested it under <c>event</c>.</summary>
public sealed record Pushed(string Topic, IWireData Payload, bool UnderEvent = true)
{
    public byte[] ToUtf8() => Reply.Event(Topic, Payload, UnderEvent);
}

/// <summary>
/// The one place that knows how a <see cref="LiveEvent"/> looks on the wire: the original's keys and nesting,
/// and the topic it is pushed under.
/// </summary>
public static class WireEvents
{
    /// <summary>The pushed frame for <paramref name="e"/>, or null when clients do not hear of it.</summary>
    public static Pushed? Of(LiveEvent e, LiveState state) => e switch
    {
        ServerStarting s => new("server", new ServerEvent(StartingMsg(s.Kind), s.Version, s.Timestamp, s.Track, s.Cars)),
        DriverJoined j => new("driver", DriverView.Of(j.Driver, "joining"), UnderEvent: false),
        DriverGone g => new("driver", DriverView.Of(g.Driver, "leaving"), UnderEvent: false),
        DriverLapped l => new("lap", LapEvent.Of(l.Driver, l.Lap), UnderEvent: false),
        SessionStarted s => new("session", new SessionEvent(s.Session.Type, s.Session.Laps, s.Session.Time, $"{s.Session.Type} session starting", true)),
        LobbyConnected => Lobby(state.Lobby, "connected to lobby"),
        LobbyLost l => Lobby(state.Lobby, l.Line),
        // Heard over the UDP plugin link (Commands/LiveWire.cs).
        LapTimed l => new("lap", LiveLapEvent.Of(l), UnderEvent: false),
        ChatHeard c => new("chat", new ChatEvent(c.CarId, c.Driver, c.Message, c.To), UnderEvent: false),
        CollisionHeard c => new("collision", new CollisionEvent(c.CarId, c.Driver, c.OtherCarId, c.OtherDriver, Math.Round(c.ImpactSpeed, 3)), UnderEvent: false),
        CarChanged c => new("car", new CarEvent(c.Car.CarId, c.Car.Driver, c.Car.Guid, c.Car.Model, c.State), UnderEvent: false),
        PluginSessionChanged s => new("session", LiveSessionEvent.Of(s)),
        _ => null,
    };

    /// <summary>The lobby as it is now, under the original's <c>{"lobby":{"event":{...}}}</c>.</summary>
    public static Pushed Lobby(LobbyState lobby, string msg) => new("lobby", LobbyCommands.EventOf(lobby, msg));

    static string StartingMsg(string kind) => kind == "acServer" ? "Assetto Corsa Dedicated Server starting" : $"{kind} starting";
}
