using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using AcWs.Files;

namespace AcWs.Runtime;

/// <summary>How to start a child: what, with which arguments, where, and which files to keep a copy of first.</summary>
/// <see cref="Kind"/> is which server it is when its name says so (AssettoServer), before it prints a line.
public sealed record LaunchSpec(string FileName, IReadOnlyList<string> Args, string WorkingDirectory, IReadOnlyList<string> ConfigCopies, string? Kind = null)
{
    /// <summary>Whether a file may be run: on Unix some execute bit must be set (Windows has none to check).</summary>
    public static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows()
        || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    /// <summary>acws's own settings (ACWS_TOKEN among them) are not the child's business: they stay with acws.</summary>
    public static void DropAcwsSettings(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.Where(k => k.StartsWith("ACWS_", StringComparison.OrdinalIgnoreCase)).ToList())
            environment.Remove(name);
        if (SocketSettings.SetByAcws) environment.Remove(SocketSettings.InlineCompletions);
    }
}

/// <summary>
/// One supervised child process (acServer, stracker): start after checks, capture every output line to a
/// log file under logs/acws/ and to a line handler, stop with SIGTERM then kill, report a crash.
/// On Unix the child runs under <see cref="Guard"/> (<c>acws --guard -- CMD …</c>) in a process group of its
/// own, so stop and kill reach everything it started, and nothing outlives acws.
/// Start, stop and restart are serialised; the same type serves every child.
/// </summary>
public sealed class Supervisor
{
    public const int MaxLineBytes = 8 * 1024;
    /// <summary>Lines read but not yet handled; past this the reader waits (and so, through its pipe, the child).</summary>
    const int LineQueue = 1024;
    static readonly TimeSpan PipeDrain = TimeSpan.FromSeconds(2);

    readonly SemaphoreSlim gate = new(1, 1);
    readonly Lock stateLock = new();
    readonly ServerFolder folder;
    readonly Timings timings;
    readonly Func<(LaunchSpec? Spec, string? Error)> resolve;
    Running? current, lastLaunched;
    /// <summary>Counts launches and exits: a check made outside the gate holds only while it is unchanged.</summary>
    int epoch;

    /// <summary>A child that is up: the process, when it started, its log file, and whether we asked it to stop.</summary>
    sealed class Running(Process process, DateTime startedAt, FileStream log, bool holdOutput)
    {
        public Process Process { get; } = process;
        public DateTime StartedAt { get; } = startedAt;
        public FileStream Log { get; } = log;
        public volatile bool StopRequested;
        /// <summary>Its start failed: its lines go to its log file only, and clients hear of nothing but the error.</summary>
        public volatile bool StartFailed;
        public int ExitCode { get; set; }
        /// <summary>Starting → Up once it survived the early-exit window, or Starting → Gone if it died in it; never both.</summary>
        public int Phase = Starting;
        public const int Starting = 0, Up = 1, Gone = 2;
        public Task Exited { get; set; } = Task.CompletedTask;
        /// <summary>Reads its lines while it starts, when the supervisor has <see cref="WatchStart"/>.</summary>
        public Live.StartWatch? Watch { get; init; }
        /// <summary>Its output lines, in order, for the one task that hands them to <see cref="OnLine"/>.</summary>
        public Channel<string> Lines { get; } = Channel.CreateBounded<string>(
            new BoundedChannelOptions(LineQueue) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        /// <summary>Completed when its lines may reach <see cref="OnLine"/> (see holdOutput).</summary>
        public TaskCompletionSource Released { get; } = NewReleased(holdOutput);

        static TaskCompletionSource NewReleased(bool hold)
        {
            var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!hold) released.SetResult();
            return released;
        }
    }

    /// <param name="name">file-name prefix of its logs, e.g. "acServer"</param>
    /// <param name="title">how replies name it, e.g. "Assetto Corsa server"</param>
    public Supervisor(string name, string title, ServerFolder folder, Timings timings, Func<(LaunchSpec? Spec, string? Error)> resolve)
    {
        Name = name;
        Title = title;
        this.folder = folder;
        this.timings = timings;
        this.resolve = resolve;
    }

    public string Name { get; }
    public string Title { get; }
    /// <summary>What is said when the child dies without being asked to.</summary>
    public string CrashMessage(int exitCode, string? reason = null) =>
        $"{Title} exited unexpectedly (exit code {exitCode})" + (reason is null ? "" : $": {reason}");

    /// <summary>Called with each output line (stdout and stderr) from one task, in order per stream; never under a lock.</summary>
    public Action<string>? OnLine { get; set; }
    /// <summary>Called just before a child starts (to reset what was parsed from the previous run).</summary>
    public Action? OnStarting { get; set; }
    /// <summary>Makes, per launch, what reads a starting child's lines for signs that it is up or failed (acServer's child only).</summary>
    public Func<LaunchSpec, Live.StartWatch>? WatchStart { get; set; }
    /// <summary>Called when the child exits without being asked to, with its exit code.</summary>
    public Action<int>? OnCrash { get; set; }
    /// <summary>The child is gone, asked to or not (after its last line; before <see cref="OnCrash"/>).</summary>
    public Action? OnExit { get; set; }

    public bool IsRunning { get { lock (stateLock) return current is not null; } }
    /// <summary>The process acws started: on Unix the guard, whose only child is the program itself.</summary>
    public int? Pid { get { lock (stateLock) return current?.Process.Id; } }
    public DateTime? StartedAt { get { lock (stateLock) return current?.StartedAt; } }

    /// <summary>
    /// Returns null when started, else why not. <paramref name="probe"/> (slow: sockets, files) runs before the
    /// start is serialised with the others, and is run again if a child of ours started or exited meanwhile;
    /// <paramref name="precondition"/> (cheap) runs inside. With <paramref name="holdOutput"/> the child's lines
    /// reach <see cref="OnLine"/> only after <see cref="ReleaseOutput"/>, so the reply to "start" can go out
    /// before the events the child's first lines cause (the log file gets them at once either way).
    /// </summary>
    public async Task<string?> StartAsync(Func<Task<string?>>? probe = null, Func<string?>? precondition = null, bool holdOutput = false)
    {
        for (int attempt = 1; ; attempt++)
        {
            int before;
            lock (stateLock) before = epoch;
            string? probed = probe is null || IsRunning ? null : await probe();
            await gate.WaitAsync();
            string? failed = null;
            try
            {
                if (closed) return failed = $"acws is shutting down; {Title} not started";
                if (current is { } running) return failed = $"{Title} is already running (pid {running.Process.Id})";
                if (probe is not null && Volatile.Read(ref epoch) != before && attempt < 3) continue;
                if (probed is not null) return failed = probed;
                if (precondition?.Invoke() is { } refused) return failed = refused;
                var (spec, error) = resolve();
                if (spec is null) return failed = error;
                return failed = await LaunchAsync(spec, holdOutput);
            }
            finally
            {
                // Nobody will release the output of a start that did not happen.
                if (failed is not null) ReleaseOutput();
                gate.Release();
            }
        }
    }

    bool closed;

    /// <summary>Stops the child if it runs and refuses every later start: acws is going down.</summary>
    public async Task CloseAsync()
    {
        await gate.WaitAsync();
        try
        {
            closed = true;
            Running? running;
            lock (stateLock) running = current;
            if (running is not null) await TerminateAsync(running);
        }
        finally { gate.Release(); }
    }

    /// <summary>On Unix the child runs under the guard; Windows starts it directly (see README: no job object yet).</summary>
    static ProcessStartInfo StartInfo(LaunchSpec spec)
    {
        var (file, prefix) = OperatingSystem.IsWindows() ? (spec.FileName, []) : ThisProgram.Command();
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = spec.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (var a in prefix) psi.ArgumentList.Add(a);
        if (!OperatingSystem.IsWindows()) foreach (var a in new[] { Guard.Flag, "--", spec.FileName }) psi.ArgumentList.Add(a);
        foreach (var a in spec.Args) psi.ArgumentList.Add(a);
        LaunchSpec.DropAcwsSettings(psi.Environment);
        return psi;
    }

    async Task<string?> LaunchAsync(LaunchSpec spec, bool holdOutput)
    {
        var now = DateTime.Now;
        string stamp = ServerFolder.Stamp(now);
        string logPath;
        FileStream log;
        try
        {
            foreach (var relative in spec.ConfigCopies) folder.CopyToLogs(relative, stamp);
            (logPath, log) = folder.CreateLog($"{Name}-{stamp}", ".log");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write under {ServerFolder.LogsDir}: {e.Message}; {Title} not started";
        }

        OnStarting?.Invoke();
        Process process;
        try
        {
            process = Process.Start(StartInfo(spec)) ?? throw new Win32Exception("no process");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or PlatformNotSupportedException)
        {
            log.Dispose();
            return $"cannot start {spec.FileName}: {e.Message}";
        }
        // The guard's stdin stays open while the child should live; Windows children get an empty stdin.
        if (OperatingSystem.IsWindows()) process.StandardInput.Close();
        var running = new Running(process, now, log, holdOutput) { Watch = WatchStart?.Invoke(spec) };
        // Current before the watcher starts, so a child that exits at once is cleared, not left behind as running.
        lock (stateLock)
        {
            current = lastLaunched = running;
            epoch++;
        }
        var readers = Task.WhenAll(
            Task.Run(() => PumpAsync(process.StandardOutput.BaseStream, running)),
            Task.Run(() => PumpAsync(process.StandardError.BaseStream, running)));
        var delivered = Task.Run(() => DeliverAsync(running));
        running.Exited = WatchAsync(running, readers, delivered);

        // A child that dies at once (bad config, wrong binary) is a failed start, not a crash.
        var clock = Stopwatch.StartNew();
        await Task.WhenAny(running.Exited, Task.Delay(timings.EarlyExitWindow));
        if (running.Watch is { } watch && await FatalStartAsync(running, watch, clock) is { } reason)
            return $"{Title} failed to start: {reason} (exit code {running.ExitCode}); see {Relative(logPath)}";
        if (Interlocked.CompareExchange(ref running.Phase, Running.Up, Running.Starting) != Running.Starting)
        {
            await running.Exited;
            return $"{Title} exited right after starting (exit code {running.ExitCode}); see {Relative(logPath)}";
        }
        return null;
    }

    /// <summary>
    /// Gives a server that says when it is up the rest of the start window to say so or to fail. One that printed a
    /// fatal error is waited for until it exits (stopped at the window's end if it lingers); returns its reason, else null.
    /// </summary>
    async Task<string?> FatalStartAsync(Running running, Live.StartWatch watch, Stopwatch clock)
    {
        TimeSpan Rest() => timings.StartWindow - clock.Elapsed is var rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero;
        if (watch.AnnouncesReady) await Task.WhenAny(running.Exited, watch.Decided, Task.Delay(Rest()));
        if (watch.FatalReason is null) return null;
        if (await Task.WhenAny(running.Exited, Task.Delay(Rest())) != running.Exited) await TerminateAsync(running);
        await running.Exited;
        // Read after the exit: its readers are done, so the reason is the best the lines gave.
        return watch.FatalReason;
    }

    string Relative(string path) => Path.GetRelativePath(folder.Root, path).Replace('\\', '/');

    /// <summary>Copies a stream to the log file and the line queue, one line at a time; a very long line is cut.</summary>
    static async Task PumpAsync(Stream stream, Running running)
    {
        var buffer = new byte[4096];
        var line = new MemoryStream();
        bool cutting = false;
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                int start = 0;
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    // The end of a line already cut and emitted ends the cutting, and nothing more.
                    if (!cutting)
                    {
                        line.Write(buffer, start, i - start);
                        await EmitAsync(line, running);
                    }
                    cutting = false;
                    start = i + 1;
                }
                if (cutting) continue;
                line.Write(buffer, start, n - start);
                if (line.Length > MaxLineBytes)
                {
                    line.SetLength(MaxLineBytes);
                    await EmitAsync(line, running, cut: true);
                    cutting = true;
                }
            }
            if (line.Length > 0 && !cutting) await EmitAsync(line, running);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or ChannelClosedException) { /* the child is gone */ }
    }

    static async ValueTask EmitAsync(MemoryStream line, Running running, bool cut = false)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
        // The two readers of one child share its log file; nothing else waits on this lock.
        lock (running.Log)
        {
            try
            {
                running.Log.Write(bytes);
                running.Log.Write(cut ? " [line cut by acws]\n"u8 : "\n"u8);
                running.Log.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        }
        string text = Encoding.UTF8.GetString(bytes);
        line.SetLength(0);
        if (Volatile.Read(ref running.Phase) == Running.Starting) running.Watch?.See(text);
        await running.Lines.Writer.WriteAsync(text);
    }

    /// <summary>Hands a child's lines to <see cref="OnLine"/> once released, in order, outside every lock.</summary>
    async Task DeliverAsync(Running running)
    {
        await running.Released.Task;
        await foreach (var text in running.Lines.Reader.ReadAllAsync())
        {
            if (running.StartFailed) continue;
            try { OnLine?.Invoke(text); } catch (Exception) { /* a parser problem must never stop the capture */ }
        }
    }

    /// <summary>Lets the lines held since a start with holdOutput reach <see cref="OnLine"/>, in order.</summary>
    public void ReleaseOutput()
    {
        Running? running;
        lock (stateLock) running = lastLaunched;
        running?.Released.TrySetResult();
    }

    async Task WatchAsync(Running running, Task readers, Task delivered)
    {
        await running.Process.WaitForExitAsync();
        try { await readers.WaitAsync(PipeDrain); } catch (TimeoutException) { }
        int code = running.ExitCode = running.Process.ExitCode;
        lock (running.Log) running.Log.Dispose();
        CloseGuardInput(running);
        lock (stateLock)
        {
            if (current == running) current = null;
            epoch++;
        }
        running.Process.Dispose();
        // Decided before its lines are let through: those of a start that failed reach no client.
        bool diedWhileStarting = Interlocked.CompareExchange(ref running.Phase, Running.Gone, Running.Starting) == Running.Starting;
        running.StartFailed = diedWhileStarting;
        running.Lines.Writer.TryComplete();
        running.Released.TrySetResult();
        await delivered;
        if (!diedWhileStarting) OnExit?.Invoke();
        if (!running.StopRequested && !diedWhileStarting) OnCrash?.Invoke(code);
    }

    /// <summary>Asks the child to exit (SIGTERM), waits out the grace period, then kills it. Returns null when stopped, else why not.</summary>
    public async Task<string?> StopAsync()
    {
        await gate.WaitAsync();
        try
        {
            Running? running;
            lock (stateLock) running = current;
            if (running is null) return $"{Title} is not running";
            await TerminateAsync(running);
            return null;
        }
        finally { gate.Release(); }
    }

    async Task TerminateAsync(Running running)
    {
        running.StopRequested = true;
        var process = running.Process;
        try
        {
            // The guard passes SIGTERM on to the child's whole process group.
            if (!OperatingSystem.IsWindows()) SendSignal(process.Id, Sigterm);
            else process.Kill(entireProcessTree: true); // Windows has no SIGTERM for a console child we do not share a console with
        }
        catch (InvalidOperationException) { /* already exited */ }
        if (await Task.WhenAny(running.Exited, Task.Delay(timings.StopGrace)) == running.Exited) return;
        Kill(running);
        // The guard kills the group and exits at once; this bounds the wait for a guard that cannot.
        if (await Task.WhenAny(running.Exited, Task.Delay(PipeDrain)) == running.Exited) return;
        try { process.Kill(entireProcessTree: true); } catch (Exception) { /* best effort */ }
        await Task.WhenAny(running.Exited, Task.Delay(PipeDrain));
    }

    /// <summary>Kills the child's process group: on Unix by closing the guard's stdin; on Windows the process tree.</summary>
    static void Kill(Running running)
    {
        if (!OperatingSystem.IsWindows()) CloseGuardInput(running);
        else try { running.Process.Kill(entireProcessTree: true); } catch (Exception) { /* best effort */ }
    }

    static void CloseGuardInput(Running running)
    {
        if (OperatingSystem.IsWindows()) return;
        try { running.Process.StandardInput.Close(); } catch (Exception) { /* already closed */ }
    }

    /// <summary>Last resort when acws itself is going down without a clean shutdown: kill at once, synchronously.</summary>
    public void KillNow()
    {
        Running? running;
        lock (stateLock) running = current;
        if (running is null) return;
        running.StopRequested = true;
        Kill(running);
    }

    const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SendSignal(int pid, int signal);
}
