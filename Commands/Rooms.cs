using AcWs.Files;
using AcWs.Runtime;

namespace AcWs.Commands;

/// <summary>Every room a command can work on; the dispatcher hands a handler only those its row's <see cref="Uses"/> names.</summary>
public sealed record Rooms(
    ServerFolder Folder,
    ServerRuntime Server,
    Supervisor Tracker,
    LobbyRegistrar Lobby,
    Pending Pending,
    ShutdownSignal Shutdown,
    LogWriter Log);

/// <summary>The rooms a command works on, declared on its row.</summary>
[Flags]
public enum Uses
{
    Nothing = 0,
    Folder = 1,
    Server = 2,
    Tracker = 4,
    Lobby = 8,
    Pending = 16,
    Shutdown = 32,
    Log = 64,
    /// <summary>What <c>server info</c> shows (also in <c>server configuration write</c>'s reply).</summary>
    Info = Folder | Server | Tracker | Lobby,
}
