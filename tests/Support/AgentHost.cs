using System.Diagnostics;

namespace AcWs.Tests.Support;

/// <summary>The real agent (listener and all) running in this test process on 127.0.0.1 with a free port.</summary>
public sealed class AgentHost : IAsyncDisposable
{
    readonly CancellationTokenSource stop = new();
    public Task<int> Exit { get; private set; } = null!;
    public Agent Agent { get; private set; } = null!;
    public int Port { get; private set; }
    public StringWriter Out { get; } = new();
    public StringWriter Err { get; } = new();
    // The agent writes through these from its own threads; a read takes the same lock (a synchronized
    // TextWriter locks itself), or a StringBuilder read mid-write throws.
    TextWriter outSync = null!, errSync = null!;

    /// <summary>The agent's stdout so far, read safely while it writes.</summary>
    public string OutText { get { lock (outSync) return Out.ToString(); } }
    public string ErrText { get { lock (errSync) return Err.ToString(); } }

    public static Task<AgentHost> StartAsync(string dir, string? token = null, int maxClients = 64) =>
        StartAsync(new Options { Dir = dir, Port = 0, Token = token, MaxClients = maxClients });

    public static async Task<AgentHost> StartAsync(Options options)
    {
        var host = new AgentHost();
        var ready = new TaskCompletionSource<Agent>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.outSync = TextWriter.Synchronized(host.Out);
        host.errSync = TextWriter.Synchronized(host.Err);
        host.Exit = Task.Run(() => Serve.RunAsync(options, host.outSync, host.errSync, host.stop.Token, a => ready.TrySetResult(a)));
        var first = await Task.WhenAny(ready.Task, host.Exit).WaitAsync(WsClient.Timeout);
        if (first != ready.Task) throw new Exception($"agent did not start: {host.ErrText}");
        host.Agent = ready.Task.Result;
        host.Port = int.Parse(host.Agent.Hub.Endpoint.Split(':').Last());
        return host;
    }

    /// <summary>The agent's log once it satisfies <paramref name="until"/> (it is written by a background task), or after 10 s.</summary>
    public async Task<string> LogWhenAsync(Func<string, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string text;
        while (!until(text = OutText) && DateTime.UtcNow < deadline) await Task.Delay(20);
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        try { await Exit.WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
    }
}

/// <summary>The agent as a real child process (`dotnet acws.dll …`), for exit codes, signals and `shutdown now`.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    public Process Process { get; }
    public int Port { get; private set; }
    readonly List<string> stdout = [];
    readonly List<string> stderr = [];
    readonly TaskCompletionSource<string> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    AgentProcess(Process p) { Process = p; }

    public static string AgentDll => Path.Combine(AppContext.BaseDirectory, "acws.dll");

    public static AgentProcess Launch(IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(AgentDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("ACWS_")).ToList()) psi.Environment.Remove(name);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = new AgentProcess(Process.Start(psi)!);
        p.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (p.stdout) p.stdout.Add(e.Data);
            if (e.Data.StartsWith("acws listening on ")) p.listening.TrySetResult(e.Data);
        };
        p.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (p.stderr) p.stderr.Add(e.Data); };
        p.Process.BeginOutputReadLine();
        p.Process.BeginErrorReadLine();
        return p;
    }

    /// <summary>Starts the agent and waits for its "acws listening on ws://HOST:PORT/" line.</summary>
    public static async Task<AgentProcess> StartAsync(IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var p = Launch(args, env);
        var exited = p.Process.WaitForExitAsync();
        var first = await Task.WhenAny(p.listening.Task, exited).WaitAsync(TimeSpan.FromSeconds(30));
        if (first != p.listening.Task) throw new Exception($"agent exited with {p.Process.ExitCode}: {p.StdErr}");
        string line = p.listening.Task.Result;
        p.Port = int.Parse(System.Text.RegularExpressions.Regex.Match(line, @"ws://[^ ]+:(\d+)/").Groups[1].Value);
        return p;
    }

    /// <summary>How many file descriptors the agent holds open (Linux: /proc/PID/fd).</summary>
    public int OpenDescriptors => Directory.GetFileSystemEntries($"/proc/{Process.Id}/fd").Length;

    /// <summary>The agent's resident memory in bytes (Linux: VmRSS in /proc/PID/status).</summary>
    public long ResidentBytes =>
        long.Parse(File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    public string StdOut { get { lock (stdout) return string.Join('\n', stdout); } }
    public string StdErr { get { lock (stderr) return string.Join('\n', stderr); } }

    /// <summary>Runs the agent to completion (for usage errors); returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        await Process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        Process.WaitForExit(); // flushes the redirected streams
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // SIGTERM first, as a user or systemd ends it, so it removes what it made (a --demo folder); a kill only if it hangs.
        if (!Process.HasExited)
        {
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", Process.Id.ToString()])) await term.WaitForExitAsync();
            try { await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15)); }
            catch (TimeoutException) { }
        }
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }
}
