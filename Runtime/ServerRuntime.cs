using System.Net.Sockets;
using AcWs.Files;
using AcWs.Ini;
using AcWs.Live;

namespace AcWs.Runtime;

/// <summary>
/// The Assetto Corsa server as a running thing: its supervised child, what its output adds up to (<see cref="Live"/>),
/// the restart after a crash (<c>--restart-on-crash</c>), and the probe for a server acws did not start. It tells
/// what happens through its events; it knows nothing of clients or the wire.
/// </summary>
public sealed class ServerRuntime
{
    readonly Options options;
    readonly ServerFolder folder;
    readonly LobbyBook lobby;
    readonly LogWriter log;
    readonly ShutdownSignal shutdown;
    readonly Backoff crashBackoff;
    LiveFeed feed = null!;

    public ServerRuntime(Options options, ServerFolder folder, LobbyBook lobby, LogWriter log, ShutdownSignal shutdown)
    {
        (this.options, this.folder, this.lobby, this.log, this.shutdown) = (options, folder, lobby, log, shutdown);
        crashBackoff = new Backoff(Timings.CrashBackoff, Timings.CrashBackoffMax);
        Child = new Supervisor("acServer", "Assetto Corsa server", folder, Timings, () => AcServerLauncher.Resolve(options, folder));
        NewRun();
        Plugin = new LivePlugin(options, folder, log);
        Plugin.Heard += e => Heard?.Invoke(e);
        Child.OnStarting = () =>
        {
            lobby.Reset();
            NewRun();
            Plugin.Open();
        };
        Child.WatchStart = spec => new StartWatch(new ServerGrammar(), spec.Kind);
        Child.OnLine = line =>
        {
            foreach (var e in feed.Feed(line))
                // Once the server speaks on the plugin link, laps come from it (with positions): the log's lap lines
                // would be the same laps again. A link it never speaks on (AssettoServer without its legacy plugin
                // interface enabled) leaves the log's laps as the only ones.
                if (e is not DriverLapped || Plugin.Link is not { Received: > 0 }) Heard?.Invoke(e);
        };
        // Whoever was on the server left with it: each client hears of each driver, as from a leave line.
        Child.OnExit = () =>
        {
            Plugin.Close();
            foreach (var gone in Live.ClearDrivers()) Heard?.Invoke(gone);
        };
        Child.OnCrash = OnCrash;
    }

    Timings Timings => options.Timings;

    /// <summary>The acServer child acws started, if any.</summary>
    public Supervisor Child { get; }
    public bool IsRunning => Child.IsRunning;
    /// <summary>What the running (or last) server printed: who it is, drivers, session, lobby.</summary>
    public LiveState Live => feed.State;
    /// <summary>The UDP plugin link of the running server (if its server_cfg.ini asks for one) and its timing table.</summary>
    public LivePlugin Plugin { get; }

    /// <summary>Something the server's output says happened that clients should hear of (on the output reader).</summary>
    public event Action<LiveEvent>? Heard;
    /// <summary>The server exited without being asked to (its exit code, and the fatal reason it printed, if any).</summary>
    public event Action<int, string?>? Crashed;
    /// <summary>--restart-on-crash started it again.</summary>
    public event Action? RestartedAfterCrash;
    /// <summary>--restart-on-crash could not start it again (why).</summary>
    public event Action<string>? RestartFailed;

    /// <summary>A new run: a fresh grammar and state (the lobby book outlives runs).</summary>
    void NewRun() => feed = new LiveFeed(new ServerGrammar(), new LiveState(SlotBallast, lobby, Timings.LobbyReRegisterQuiet));

    /// <summary>Ballast and restrictor of an entry-list slot, for a joining driver (0 when unknown).</summary>
    (int, int) SlotBallast(int slot)
    {
        var (ini, _) = folder.Load(ServerFolder.EntryListIni);
        if (ini is null) return (0, 0);
        try
        {
            var s = EntryList.From(ini).FirstOrDefault(e => e.Index == slot);
            return s is null ? (0, 0) : (int.TryParse(s.Ballast, out int b) ? b : 0, int.TryParse(s.Restrictor, out int r) ? r : 0);
        }
        catch (IniParseException) { return (0, 0); }
    }

    /// <summary>Starts the server unless something holds its ports; a restart waiting after a crash is cancelled first.</summary>
    public async Task<string?> StartAsync(bool holdOutput)
    {
        CancelCrashRestart();
        var error = await Child.StartAsync(ProbeForeignProcessAsync, holdOutput: holdOutput);
        // A start that failed after it began (an early exit) has no run to close the link with.
        if (error is not null && !Child.IsRunning) Plugin.Close();
        return error;
    }

    // ---- restart after a crash ----

    /// <summary>The restart --restart-on-crash has scheduled, until it has started (or failed, or was cancelled).</summary>
    CancellationTokenSource? pendingRestart;
    const string RestartCancelled = "cancelled";

    void OnCrash(int exitCode)
    {
        string? reason = Live.FatalReason;
        NewRun();
        // Scheduled before anyone hears of the crash, so a `server stop` sent on hearing it always finds it.
        var restart = options.RestartOnCrash && !shutdown.IsRequested ? ScheduleCrashRestart(null) : null;
        log.Write(Child.CrashMessage(exitCode, reason));
        Crashed?.Invoke(exitCode, reason);
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
        var wait = crashBackoff.Next();
        log.Write($"restarting acServer in {wait.TotalSeconds:0.###} s (--restart-on-crash)");
        await Task.WhenAny(Task.Delay(wait, cancel.Token), shutdown.Requested).ContinueWith(_ => { });
        // The restart stays pending (cancellable) through its start: the check inside the start's gate and a
        // user's stop, which takes the same gate, decide who was first, and the user's word is the last.
        string? error = shutdown.IsRequested || cancel.IsCancellationRequested ? RestartCancelled
            : await Child.StartAsync(ProbeForeignProcessAsync, () => cancel.IsCancellationRequested ? RestartCancelled : null);
        if (error == RestartCancelled)
        {
            log.Write("restart after the crash cancelled");
            return;
        }
        if (error is null)
        {
            Interlocked.CompareExchange(ref pendingRestart, null, cancel);
            log.Write("acServer restarted after a crash");
            RestartedAfterCrash?.Invoke();
            // A run that lasts long enough resets the back-off.
            var started = Child.StartedAt;
            _ = Task.Delay(Timings.CrashBackoffReset).ContinueWith(_ =>
            {
                if (Child.StartedAt == started && started is not null) crashBackoff.Reset();
            });
            return;
        }
        RestartFailed?.Invoke(error);
        if (!error.Contains("already running") && ScheduleCrashRestart(cancel) is { } next) _ = RestartAfterCrashAsync(next);
        else Interlocked.CompareExchange(ref pendingRestart, null, cancel);
    }

    // ---- a server acws did not start ----

    /// <summary>Set when something listens on acServer's ports while acws runs none: an acServer acws did not start.</summary>
    public string? ForeignProcess { get; private set; }
    long foreignCheckedTicks;

    /// <summary>
    /// Whether an acServer acws did not start holds the ports, as last probed; a probe older than
    /// <see cref="Timings.ForeignProbeInterval"/> is started again in the background, so pollers never wait on it.
    /// </summary>
    public bool ForeignProcessNow()
    {
        if (IsRunning) return false;
        long now = DateTime.UtcNow.Ticks, last = Interlocked.Read(ref foreignCheckedTicks);
        if (now - last > Timings.ForeignProbeInterval.Ticks && Interlocked.CompareExchange(ref foreignCheckedTicks, now, last) == last)
            _ = Task.Run(ProbeForeignProcessAsync);
        return ForeignProcess is not null;
    }

    /// <summary>
    /// Something already accepting connections on acServer's TCP or HTTP port (from server_cfg.ini) means an
    /// acServer that acws did not start; returns the message, or null when the ports are free.
    /// </summary>
    public async Task<string?> ProbeForeignProcessAsync()
    {
        Interlocked.Exchange(ref foreignCheckedTicks, DateTime.UtcNow.Ticks);
        var (ini, _) = folder.Load(ServerFolder.ServerCfg);
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
}
