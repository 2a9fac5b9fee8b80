using System.Globalization;
using AcWs.Live;

namespace AcWs.Commands;

/// <summary>
/// The one place that knows how a <see cref="LiveEvent"/> looks on the wire: the original's keys and nesting,
/// and the topic it is pushed under.
/// </summary>
public static class WireEvents
{
    /// <summary>The pushed frame's topic and data for <paramref name="e"/>, or null when clients do not hear of it.</summary>
    public static (string Topic, object Data)? Of(LiveEvent e, LiveState state) => e switch
    {
        ServerStarting s => ("server", new ServerEventData(new ServerEventBody(new ServerEvent(
            StartingMsg(s.Kind), s.Version, s.Timestamp, s.Track, s.Cars)))),
        DriverJoined j => ("driver", new DriverEventData(DriverView.Of(j.Driver, "joining"))),
        DriverGone g => ("driver", new DriverEventData(DriverView.Of(g.Driver, "leaving"))),
        DriverLapped l => ("lap", new LapEventData(LapEvent.Of(l.Driver, l.Lap))),
        SessionStarted s => ("session", new SessionEventData(new SessionEventBody(new SessionEvent(
            s.Session.Type, s.Session.Laps, s.Session.Time, $"{s.Session.Type} session starting", true)))),
        LobbyConnected => ("lobby", Lobby(state, "connected to lobby")),
        LobbyLost l => ("lobby", Lobby(state, l.Line)),
        _ => null,
    };

    static string StartingMsg(string kind) => kind == "acServer" ? "Assetto Corsa Dedicated Server starting" : $"{kind} starting";

    static LobbyEventData Lobby(LiveState state, string msg) => new(new LobbyEventBody(LobbyCommands.EventOf(state.Lobby, msg)));
}
