using System.Collections.Concurrent;
using AcWs.Commands;

namespace AcWs.Host;

/// <summary>
/// Who is connected, and the fan-out to them: a push never waits on a slow client (its own outbox decides).
/// Also counts the commands running, so shutdown can let their replies go out first.
/// </summary>
public sealed class ClientHub
{
    readonly ConcurrentDictionary<long, Client> clients = new();
    int commandsRunning;

    /// <summary>The address actually listened on (the port is known once listening, e.g. after --port 0).</summary>
    public string Endpoint { get; set; } = "";
    public int Count => clients.Count;
    public IEnumerable<Client> Clients => clients.Values;

    public void Add(Client c) => clients[c.Id] = c;
    public void Remove(Client c) => clients.TryRemove(c.Id, out _);

    /// <summary>Pushes a frame to every connected client except <paramref name="except"/>.</summary>
    public void Push(byte[] frame, Client? except = null) => FanOut.Push([.. clients.Values], frame, except);

    /// <summary>Pushes an error nobody asked about (a crash, a failed automatic retry), marked as an event.</summary>
    public void PushError(string msg) => Push(Reply.FailEvent(msg).ToUtf8());

    /// <summary>Marks a command as running until disposed.</summary>
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
}
