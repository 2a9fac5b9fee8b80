using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Reflection;
using AcWs.Commands;
using AcWs.Ini;
using AcWs.Live;

namespace AcWs;

/// <summary>
/// The state shared by every connection: the server folder, who is connected, and the shutdown signal.
/// Handlers read it; only the edges (listener, child processes, files) change it.
/// </summary>
public sealed class Agent
{
    readonly LogWriter log;

    public Agent(Options options, ServerFolder folder, TextWriter log)
    {
        Options = options;
        Folder = folder;
        this.log = new LogWriter(log);
        crashBackoff = Timings.CrashBackoff;
        AcServer = new Supervisor("acServer", "Assetto Corsa server", folder, Timings, () => AcServerLauncher.Resolve(Options, Folder));
        NewRun();
        AcServer.OnStarting = () =>
        {
            Lobby.Reset();
            NewRun();
        };
        AcServer.OnLine = OnAcServerLine;
        AcServer.WatchStart = spec => new StartWatch(new ServerGrammar(), spec.Kind);
        AcServer.OnCrash = OnAcServerCrash;
        Stracker = new Supervisor("stracker", "stracker", folder, Timings, () => StrackerLauncher.Resolve(Options, Folder));
        Stracker.OnCrash = code => ReportCrash(Stracker, code, "tracker", TrackerCommands.Stopped(this));
    }

    public static readonly string Version =
        typeof(Agent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    readonly ConcurrentDictionary<long, Client> clients = new();
    readonly TaskCompletionSource<string> shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Options Options { get; }
    /// <summary>Grace periods, timeouts and back-offs: <see cref="Options.Timings"/>.</summary>
    public Timings Timings => Options.Timings;
    public ServerFolder Folder { get; }

    /// <summary>The acServer child acws started, if any.</summary>
    public Supervisor AcServer { get; }
    /// <summary>The stracker child acws started, if any: the same supervision as acServer, independent of it.</summary>
    public Supervisor Stracker { get; }
    /// <summary>The lobby as acServer's lines and acws's own registrations left it; outlives acServer runs.</summary>
    public LobbyBook Lobby { get; } = new();
    public const int LobbyTries = 3;
    /// <summary>What the running (or last) acServer printed: version, drivers, session, lobby.</summary>
    OutputFeed output = null!;
    /// <summary>What the running (or last) acServer printed: who it is, drivers, session, lobby.</summary>
    public LiveState Live => output.State;

    /// <summary>A new acServer run: a fresh grammar and state (the lobby book outlives runs).</summary>
    void NewRun() => output = new OutputFeed(new ServerGrammar(), new LiveState(SlotBallast, Lobby));

    /// <summary>One line of acServer's output, to every client as the frames it gives.</summary>
    void OnAcServerLine(string line)
    {
        foreach (var heard in output.Feed(line))
        {
            Push(Reply.Event(heard.Topic, heard.Data));
            // Off the line reader: a lobby call must not hold up acServer's next lines.
            if (heard.Event is LobbyLost && Options.LobbyAuto) _ = Task.Run(ReRegisterAsync);
        }
    }
    /// <summary>Set when something listens on acServer's ports while acws runs none: an acServer acws did not start.</summary>
    public string? ForeignProcess { get; private set; }
    long foreignCheckedTicks;

    /// <summary>
    /// Whether an acServer acws did not start holds the ports, as last probed; a probe older than
    /// <see cref="Timings.ForeignProbeInterval"/> is started again in the background, so pollers never wait on it.
    /// </summary>
    public bool ForeignProcessNow()
    {
        if (AcServerRunning) return false;
        long now = DateTime.UtcNow.Ticks, last = Interlocked.Read(ref foreignCheckedTicks);
        if (now - last > Timings.ForeignProbeInterval.Ticks && Interlocked.CompareExchange(ref foreignCheckedTicks, now, last) == last)
            _ = ProbeForeignProcessAsync();
        return ForeignProcess is not null;
    }
    /// <summary>The address actually listened on (the port is known once listening, e.g. after --port 0).</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Whether acws has a running acServer child.</summary>
    public bool AcServerRunning => AcServer.IsRunning;

    /// <summary>Edits of cfg/server_cfg.ini made by <c>server session …</c>, until written or discarded.</summary>
    public PendingConfig PendingConfig { get; } = new();

    /// <summary>The grid computed by <c>grid finish</c>/<c>grid reverse</c>, waiting for <c>grid save</c>.</summary>
    public Results.GridState Grid { get; } = new();

    public int ClientCount => clients.Count;
    public IEnumerable<Client> Clients => clients.Values;

    public void Add(Client c) => clients[c.Id] = c;
    public void Remove(Client c) => clients.TryRemove(c.Id, out _);

    /// <summary>Pushes a frame to every connected client except <paramref name="except"/>; never waits on a slow one.</summary>
    public void Push(byte[] frame, Client? except = null)
    {
        foreach (var c in clients.Values)
            if (c != except) c.Enqueue(frame);
    }

    /// <summary>Pushes an error nobody asked about (a crash, a failed automatic retry), marked as an event.</summary>
    public void PushError(string msg) => Push(Reply.FailEvent(msg).ToUtf8());

    int commandsRunning;

    /// <summary>Marks a command as running until disposed, so shutdown can let its reply go out first.</summary>
    public IDisposable CommandRunning()
    {
        Interlocked.Increment(ref commandsRunning);
        return new Done(() => Interlocked.Decrement(ref commandsRunning));
    }

    /// <summary>Waits (up to <paramref name="limit"/>) until no command is running.</summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (Volatile.Read(ref commandsRunning) > 0 && DateTime.UtcNow < until) await Task.Delay(10);
    }

    sealed class Done(Action action) : IDisposable
    {
        int done;
        public void Dispose() { if (Interlocked.Exchange(ref done, 1) == 0) action(); }
    }


    /// <summary>One register call to the lobby; the answer updates <see cref="Lobby"/>.</summary>
    public async Task<LobbyAnswer> RegisterWithLobbyAsync(string url)
    {
        var answer = await LobbyClient.RegisterAsync(url, Timings.LobbyTimeout);
        bool lobbyRefused = !answer.Ok && answer.Msg.Contains("ERROR", StringComparison.OrdinalIgnoreCase);
        Lobby.Update(l => answer.Ok
            ? l with { Connected = true, Since = DateTime.UtcNow, UrlRegister = url, LastMsg = answer.Msg }
            : l with { Connected = l.Connected && !lobbyRefused, UrlRegister = url, LastMsg = answer.Msg });
        Log($"lobby registration {(answer.Ok ? "SUCCESS" : "FAILED")}: {answer.Msg}");
        return answer;
    }

    int reRegistering;
    long reRegisterStartedTicks;

    /// <summary>
    /// acServer lost its lobby registration: register again, up to <see cref="LobbyTries"/> times with a growing
    /// wait, and push the outcome to every client. One such run at a time (acServer prints two error lines).
    /// </summary>
    async Task ReRegisterAsync()
    {
        if (Interlocked.Exchange(ref reRegistering, 1) == 1) return;
        try
        {
            if (DateTime.UtcNow.Ticks - Interlocked.Read(ref reRegisterStartedTicks) < Timings.LobbyReRegisterQuiet.Ticks) return;
            Interlocked.Exchange(ref reRegisterStartedTicks, DateTime.UtcNow.Ticks);
            var (ini, _) = Folder.Load(ServerFolder.ServerCfg);
            var (url, refused) = Commands.LobbyCommands.RegisterUrl(this, ini);
            if (url is null)
            {
                PushError($"automatic lobby re-registration not tried: {refused}");
                return;
            }
            var wait = Timings.LobbyRetryDelay;
            LobbyAnswer answer = new(false, "not tried");
            for (int attempt = 1; attempt <= LobbyTries; attempt++)
            {
                if (attempt > 1)
                {
                    await Task.WhenAny(Task.Delay(wait), ShutdownRequested);
                    if (ShutdownRequested.IsCompleted) return;
                    wait *= 2;
                }
                answer = await RegisterWithLobbyAsync(url);
                if (answer.Ok)
                {
                    string msg = attempt == 1 ? "lobby registration SUCCESS (automatic)" : $"lobby registration SUCCESS (automatic, try {attempt})";
                    Push(Reply.Event("lobby", new LobbyEventData(new LobbyEventBody(Commands.LobbyCommands.EventOf(this, msg)))));
                    return;
                }
            }
            PushError($"automatic lobby re-registration FAILED after {LobbyTries} tries: {answer.Msg}");
        }
        finally { Volatile.Write(ref reRegistering, 0); }
    }

    /// <summary>Ballast and restrictor of an entry-list slot, for a joining driver (0 when unknown).</summary>
    (int, int) SlotBallast(int slot)
    {
        var (ini, _) = Folder.Load(ServerFolder.EntryListIni);
        if (ini is null) return (0, 0);
        try
        {
            var s = EntryList.From(ini).FirstOrDefault(e => e.Index == slot);
            return s is null ? (0, 0) : (int.TryParse(s.Ballast, out int b) ? b : 0, int.TryParse(s.Restrictor, out int r) ? r : 0);
        }
        catch (IniParseException) { return (0, 0); }
    }

    /// <summary>
    /// A child died without being asked to: every client hears of it, as an error, then as the stopped message
    /// the original's clients know (so their state shows it stopped).
    /// </summary>
    void ReportCrash(Supervisor child, int exitCode, string topic, Reply stopped, string? reason = null)
    {
        string msg = $"{child.Title} exited unexpectedly (exit code {exitCode})" + (reason is null ? "" : $": {reason}");
        Log(msg);
        PushError(msg);
        Push(stopped.ToEventUtf8(topic));
    }

    TimeSpan crashBackoff;
    /// <summary>The restart --restart-on-crash has scheduled, until it has started (or failed, or was cancelled).</summary>
    CancellationTokenSource? pendingRestart;
    const string RestartCancelled = "cancelled";

    void OnAcServerCrash(int exitCode)
    {
        string? reason = Live.FatalReason;
        NewRun();
        // Scheduled before anyone hears of the crash, so a `server stop` sent on hearing it always finds it.
        var restart = Options.RestartOnCrash && !ShutdownRequested.IsCompleted ? ScheduleCrashRestart(null) : null;
        ReportCrash(AcServer, exitCode, "server", Reply.Msg(ServerCommands.StoppedMsg), reason);
        if (restart is not null) _ = RestartAfterCrashAsync(restart);
    }

    /// <summary>Makes a new pending restart, replacing <paramref name="previous"/> only if that one is still pending.</summary>
    CancellationTokenSource? ScheduleCrashRestart(CancellationTokenSource? previous)
    {
        var next = new CancellationTokenSource();
        if (previous is null) Interlocked.Exchange(ref pendingRestart, next)?.Cancel();
        else if (Interlocked.CompareExchange(ref pendingRestart, next, previous) != previous) return null;
        return next;
    }

    /// <summary>
    /// Cancels a restart that --restart-on-crash has scheduled (the user took over with start or stop), also one
    /// whose back-off is over and whose start is under way; returns whether one was pending.
    /// </summary>
    public bool CancelCrashRestart()
    {
        if (Interlocked.Exchange(ref pendingRestart, null) is not { } pending) return false;
        pending.Cancel();
        return true;
    }

    async Task RestartAfterCrashAsync(CancellationTokenSource cancel)
    {
        var wait = crashBackoff;
        crashBackoff = TimeSpan.FromTicks(Math.Min(Timings.CrashBackoffMax.Ticks, crashBackoff.Ticks * 2));
        Log($"restarting acServer in {wait.TotalSeconds:0.###} s (--restart-on-crash)");
        await Task.WhenAny(Task.Delay(wait, cancel.Token), ShutdownRequested).ContinueWith(_ => { });
        // The restart stays pending (cancellable) through its start: the check inside the start's gate and a
        // user's stop, which takes the same gate, decide who was first, and the user's word is the last.
        string? error = ShutdownRequested.IsCompleted || cancel.IsCancellationRequested ? RestartCancelled
            : await AcServer.StartAsync(ProbeForeignProcessAsync, () => cancel.IsCancellationRequested ? RestartCancelled : null);
        if (error == RestartCancelled)
        {
            Log("restart after the crash cancelled");
            return;
        }
        if (error is null)
        {
            Interlocked.CompareExchange(ref pendingRestart, null, cancel);
            Log("acServer restarted after a crash");
            Push(Reply.Ok(new MsgData(ServerCommands.StartedMsg, "restarted after a crash (--restart-on-crash)")).ToEventUtf8("server"));
            // A run that lasts long enough resets the back-off.
            var started = AcServer.StartedAt;
            _ = Task.Delay(Timings.CrashBackoffReset).ContinueWith(_ =>
            {
                if (AcServer.StartedAt == started && started is not null) crashBackoff = Timings.CrashBackoff;
            });
            return;
        }
        PushError($"restart after crash failed: {error}");
        if (!error.Contains("already running") && ScheduleCrashRestart(cancel) is { } next) _ = RestartAfterCrashAsync(next);
        else Interlocked.CompareExchange(ref pendingRestart, null, cancel);
    }

    /// <summary>
    /// Something already accepting connections on acServer's TCP or HTTP port (from server_cfg.ini) means an
    /// acServer that acws did not start; returns the message, or null when the ports are free.
    /// </summary>
    public async Task<string?> ProbeForeignProcessAsync()
    {
        Interlocked.Exchange(ref foreignCheckedTicks, DateTime.UtcNow.Ticks);
        var (ini, _) = Folder.Load(ServerFolder.ServerCfg);
        if (ini is null) return null;
        ServerConfig cfg;
        try { cfg = ServerConfig.From(ini); } catch (IniParseException) { return null; }
        string? found = null;
        foreach (var (port, what) in new[] { (cfg.TcpPort, "TCP_PORT"), (cfg.HttpPort, "HTTP_PORT") })
        {
            if (port is <= 0 or > 65535) continue;
            using var probe = new TcpClient();
            using var timeout = new CancellationTokenSource(Timings.ForeignProbeTimeout);
            try
            {
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token);
                found = $"an Assetto Corsa server that acws did not start is already running ({what} {port} is in use); stop it first";
                break;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { /* refused or silent: free */ }
        }
        ForeignProcess = found;
        return found;
    }

    /// <summary>Shutdown: stops every child acws started, waits for each, and lets none start again.</summary>
    public async Task StopChildrenAsync() => await Task.WhenAll(
        [.. new[] { AcServer, Stracker }.Select(async child =>
        {
            bool wasRunning = child.IsRunning;
            await child.CloseAsync();
            if (wasRunning) Log($"{child.Name} stopped");
        })]);

    /// <summary>Kills every child at once: the last resort when acws is going down hard.</summary>
    public void KillChildren()
    {
        AcServer.KillNow();
        Stracker.KillNow();
    }

    public Task<string> ShutdownRequested => shutdown.Task;
    public void RequestShutdown(string why) => shutdown.TrySetResult(why);

    public void Log(string line) => log.Write(line);

    /// <summary>Writes out the log lines still queued (at shutdown).</summary>
    public Task FlushLogAsync() => log.CloseAsync(TimeSpan.FromSeconds(2));
}
