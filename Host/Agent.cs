using System.Reflection;
using AcWs.Commands;
using AcWs.Files;
using AcWs.Live;
using AcWs.Runtime;

namespace AcWs.Host;

/// <summary>
/// The composition root: makes each room (the server runtime, stracker, the lobby registrar, the pending edits,
/// the client hub) and wires what the rooms tell into frames for the hub. Nothing else lives here.
/// </summary>
public sealed class Agent
{
    public static readonly string Version =
        typeof(Agent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public Agent(Options options, ServerFolder folder, TextWriter log)
    {
        Options = options;
        Log = new LogWriter(log);
        ServerRuntime? server = null;
        var lobby = new LobbyRegistrar(options, folder, Log, Shutdown, () => server?.Live.CalledUrl);
        server = new ServerRuntime(options, folder, lobby.Book, Log, Shutdown);
        var tracker = new Supervisor("stracker", "stracker", folder, options.Timings, () => StrackerLauncher.Resolve(options, folder));
        Rooms = new Rooms(folder, server, tracker, lobby, new Pending(), Shutdown, Log);

        server.Heard += e =>
        {
            if (WireEvents.Of(e, server.Live) is { } pushed) Hub.Push(pushed.ToUtf8());
            // Off the output reader: a lobby call must not hold up the server's next lines.
            if (e is LobbyLost && lobby.Auto) _ = Task.Run(lobby.ReRegisterAsync);
        };
        server.Crashed += (code, reason) => Crashed(server.Child.CrashMessage(code, reason), "server", Reply.Msg(ServerCommands.StoppedMsg));
        server.RestartedAfterCrash += () => Hub.Push(Reply.Ok(new MsgData(ServerCommands.StartedMsg, "restarted after a crash (--restart-on-crash)")).ToEventUtf8("server"));
        server.RestartFailed += error => Hub.PushError($"restart after crash failed: {error}");
        tracker.OnCrash = code =>
        {
            Log.Write(tracker.CrashMessage(code));
            Crashed(tracker.CrashMessage(code), "tracker", TrackerCommands.Stopped(tracker));
        };
        lobby.ReRegistered += msg => Hub.Push(WireEvents.Lobby(lobby.Book.State, msg).ToUtf8());
        lobby.ReRegisterFailed += Hub.PushError;
    }

    public Options Options { get; }
    public LogWriter Log { get; }
    public ShutdownSignal Shutdown { get; } = new();
    public ClientHub Hub { get; } = new();
    /// <summary>What commands work on; each handler gets only the rooms its row declares.</summary>
    public Rooms Rooms { get; }

    /// <summary>
    /// A child died without being asked to: every client hears of it, as an error, then as the stopped message
    /// the original's clients know (so their state shows it stopped).
    /// </summary>
    void Crashed(string message, string topic, Reply stopped)
    {
        Hub.PushError(message);
        Hub.Push(stopped.ToEventUtf8(topic));
    }

    /// <summary>Shutdown: stops every child acws started, waits for each, and lets none start again.</summary>
    public Task StopChildrenAsync() => Task.WhenAll(new[] { Rooms.Server.Child, Rooms.Tracker }.Select(async child =>
    {
        bool wasRunning = child.IsRunning;
        await child.CloseAsync();
        if (wasRunning) Log.Write($"{child.Name} stopped");
    }));

    /// <summary>Kills every child at once: the last resort when acws is going down hard.</summary>
    public void KillChildren()
    {
        Rooms.Server.Child.KillNow();
        Rooms.Tracker.KillNow();
    }
}
