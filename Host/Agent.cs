using System.Collections.Concurrent;
using System.Reflection;
using AcWs.Commands;

namespace AcWs;

/// <summary>
/// The state shared by every connection: the server folder, who is connected, and the shutdown signal.
/// Handlers read it; only the edges (listener, child processes, files) change it.
/// </summary>
public sealed class Agent(Options options, ServerFolder folder, TextWriter log)
{
    public static readonly string Version =
        typeof(Agent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    readonly ConcurrentDictionary<long, Client> clients = new();
    readonly TaskCompletionSource<string> shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Options Options { get; } = options;
    public ServerFolder Folder { get; } = folder;
    /// <summary>The address actually listened on (the port is known once listening, e.g. after --port 0).</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Whether acws has a running acServer child (set by the supervisor).</summary>
    public bool AcServerRunning { get; set; }

    /// <summary>The grid computed by <c>grid finish</c>/<c>grid reverse</c>, waiting for <c>grid save</c>.</summary>
    public Results.GridState Grid { get; } = new();

    public int ClientCount => clients.Count;
    public IEnumerable<Client> Clients => clients.Values;

    public void Add(Client c) => clients[c.Id] = c;
    public void Remove(Client c) => clients.TryRemove(c.Id, out _);

    /// <summary>Pushes a frame to every connected client except <paramref name="except"/>; never waits on a slow one.</summary>
    public void Push(Reply reply, Client? except = null)
    {
        var bytes = reply.ToUtf8();
        foreach (var c in clients.Values)
            if (c != except) c.Enqueue(bytes);
    }

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

    public Task<string> ShutdownRequested => shutdown.Task;
    public void RequestShutdown(string why) => shutdown.TrySetResult(why);

    public void Log(string line)
    {
        lock (log) log.WriteLine($"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {line}");
    }
}
