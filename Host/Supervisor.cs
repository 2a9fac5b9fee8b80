using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace AcWs;

/// <summary>How to start a child: what, with which arguments, where, and which files to keep a copy of first.</summary>
public sealed record LaunchSpec(string FileName, IReadOnlyList<string> Args, string WorkingDirectory, IReadOnlyList<string> ConfigCopies)
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
    }
}

/// <summary>
/// One supervised child process (acServer, stracker): start after checks, capture every output line to a
/// log file under logs/acws/ and to a line handler, stop with SIGTERM then kill, report a crash.
/// Start, stop and restart are serialised; the same type serves every child.
/// </summary>
public sealed class Supervisor
{
    public const int MaxLineBytes = 8 * 1024;
    static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);
    static readonly TimeSpan EarlyExitWindow = TimeSpan.FromMilliseconds(500);

    readonly SemaphoreSlim gate = new(1, 1);
    readonly Lock stateLock = new();
    readonly ServerFolder folder;
    readonly Func<(LaunchSpec? Spec, string? Error)> resolve;
    readonly Lock outputLock = new();
    List<string>? heldLines;
    Running? current;

    /// <summary>A child that is up: the process, when it started, its log file, and whether we asked it to stop.</summary>
    sealed class Running(Process process, DateTime startedAt, FileStream log)
    {
        public Process Process { get; } = process;
        public DateTime StartedAt { get; } = startedAt;
        public FileStream Log { get; } = log;
        public volatile bool StopRequested;
        public int ExitCode { get; set; }
        /// <summary>Starting → Up once it survived the early-exit window, or Starting → Gone if it died in it; never both.</summary>
        public int Phase = Starting;
        public const int Starting = 0, Up = 1, Gone = 2;
        public Task Exited { get; set; } = Task.CompletedTask;
    }

    /// <param name="name">file-name prefix of its logs, e.g. "acServer"</param>
    /// <param name="title">how replies name it, e.g. "Assetto Corsa server"</param>
    public Supervisor(string name, string title, ServerFolder folder, Func<(LaunchSpec? Spec, string? Error)> resolve)
    {
        Name = name;
        Title = title;
        this.folder = folder;
        this.resolve = resolve;
    }

    public string Name { get; }
    public string Title { get; }

    /// <summary>Called with each output line (stdout and stderr), in order per stream.</summary>
    public Action<string>? OnLine { get; set; }
    /// <summary>Called just before a child starts (to reset what was parsed from the previous run).</summary>
    public Action? OnStarting { get; set; }
    /// <summary>Called when the child exits without being asked to, with its exit code.</summary>
    public Action<int>? OnCrash { get; set; }

    public bool IsRunning { get { lock (stateLock) return current is not null; } }
    public int? Pid { get { lock (stateLock) return current?.Process.Id; } }
    public DateTime? StartedAt { get { lock (stateLock) return current?.StartedAt; } }

    /// <summary>
    /// Returns null when started, else why not. With <paramref name="holdOutput"/> the child's lines reach
    /// <see cref="OnLine"/> only after <see cref="ReleaseOutput"/>, so the reply to "start" can go out before
    /// the events the child's first lines cause (the log file gets them at once either way).
    /// </summary>
    public async Task<string?> StartAsync(Func<string?>? precondition = null, bool holdOutput = false)
    {
        await gate.WaitAsync();
        string? failed = null;
        try
        {
            if (closed) return failed = $"acws is shutting down; {Title} not started";
            if (current is { } running) return failed = $"{Title} is already running (pid {running.Process.Id})";
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

        var psi = new ProcessStartInfo(spec.FileName)
        {
            WorkingDirectory = spec.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        foreach (var a in spec.Args) psi.ArgumentList.Add(a);
        LaunchSpec.DropAcwsSettings(psi.Environment);

        OnStarting?.Invoke();
        if (holdOutput) lock (outputLock) heldLines ??= [];
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("no process");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or PlatformNotSupportedException)
        {
            log.Dispose();
            return $"cannot start {spec.FileName}: {e.Message}";
        }
        process.StandardInput.Close();
        var running = new Running(process, now, log);
        // Current before the watcher starts, so a child that exits at once is cleared, not left behind as running.
        lock (stateLock) current = running;
        var readers = Task.WhenAll(
            Task.Run(() => PumpAsync(process.StandardOutput.BaseStream, running)),
            Task.Run(() => PumpAsync(process.StandardError.BaseStream, running)));
        running.Exited = WatchAsync(running, readers);

        // A child that dies at once (bad config, wrong binary) is a failed start, not a crash.
        await Task.WhenAny(running.Exited, Task.Delay(EarlyExitWindow));
        if (Interlocked.CompareExchange(ref running.Phase, Running.Up, Running.Starting) != Running.Starting)
        {
            await running.Exited;
            return $"{Title} exited right after starting (exit code {running.ExitCode}); see {Relative(logPath)}";
        }
        return null;
    }

    string Relative(string path) => Path.GetRelativePath(folder.Root, path).Replace('\\', '/');

    /// <summary>Copies a stream to the log file and the line handler, one line at a time; a very long line is cut.</summary>
    async Task PumpAsync(Stream stream, Running running)
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
                    if (!cutting) line.Write(buffer, start, i - start);
                    Emit(line, running);
                    cutting = false;
                    start = i + 1;
                }
                if (!cutting) line.Write(buffer, start, n - start);
                if (!cutting && line.Length > MaxLineBytes)
                {
                    line.SetLength(MaxLineBytes);
                    Emit(line, running, cut: true);
                    cutting = true;
                }
            }
            if (line.Length > 0 && !cutting) Emit(line, running);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { /* the child is gone */ }
    }

    void Emit(MemoryStream line, Running running, bool cut = false)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
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
        lock (outputLock)
        {
            if (heldLines is not null) heldLines.Add(text);
            else Deliver(text);
        }
    }

    void Deliver(string text)
    {
        try { OnLine?.Invoke(text); } catch (Exception) { /* a parser problem must never stop the capture */ }
    }

    /// <summary>Delivers the lines held since a start with holdOutput, in order, and stops holding.</summary>
    public void ReleaseOutput()
    {
        lock (outputLock)
        {
            if (heldLines is null) return;
            foreach (var text in heldLines) Deliver(text);
            heldLines = null;
        }
    }

    async Task WatchAsync(Running running, Task readers)
    {
        await running.Process.WaitForExitAsync();
        try { await readers.WaitAsync(TimeSpan.FromSeconds(2)); } catch (TimeoutException) { }
        int code = running.ExitCode = running.Process.ExitCode;
        lock (running.Log) running.Log.Dispose();
        lock (stateLock) if (current == running) current = null;
        running.Process.Dispose();
        ReleaseOutput();
        bool diedWhileStarting = Interlocked.CompareExchange(ref running.Phase, Running.Gone, Running.Starting) == Running.Starting;
        if (!running.StopRequested && !diedWhileStarting) OnCrash?.Invoke(code);
    }

    /// <summary>Asks the child to exit (SIGTERM), waits up to 5 s, then kills it. Returns null when stopped, else why not.</summary>
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

    static async Task TerminateAsync(Running running)
    {
        running.StopRequested = true;
        var process = running.Process;
        try
        {
            if (!OperatingSystem.IsWindows()) _ = SendSigterm(process.Id);
            else process.Kill(entireProcessTree: true); // Windows has no SIGTERM for a console child we do not share a console with
        }
        catch (InvalidOperationException) { /* already exited */ }
        if (await Task.WhenAny(running.Exited, Task.Delay(StopGrace)) != running.Exited)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            // A killed process is gone at once; this only bounds the wait for its pipes to close.
            await Task.WhenAny(running.Exited, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    /// <summary>Last resort when acws itself is going down without a clean shutdown: kill at once, synchronously.</summary>
    public void KillNow()
    {
        Running? running;
        lock (stateLock) running = current;
        if (running is null) return;
        running.StopRequested = true;
        try { running.Process.Kill(entireProcessTree: true); } catch (Exception) { /* best effort */ }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SendSignal(int pid, int signal);

    static bool SendSigterm(int pid) => SendSignal(pid, 15) == 0;
}
