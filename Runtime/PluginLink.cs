using System.Net;
using System.Net.Sockets;
using AcWs.Live;

namespace AcWs.Runtime;

/// <summary>
/// acws's end of acServer's UDP plugin interface, for one server run: one socket on 127.0.0.1:<c>UDP_PLUGIN_ADDRESS</c>'s
/// port (every interface when a downstream plugin is on another machine). A datagram from acServer (127.0.0.1:<c>UDP_PLUGIN_LOCAL_PORT</c>) goes unchanged to every downstream plugin
/// (<c>--plugin-forward</c>), is decoded (never throws) and handed to <see cref="Heard"/> on the receive loop, which
/// must not block; a datagram from a downstream's address (IP and port) goes unchanged to acServer; any other is
/// dropped and counted. <see cref="AskAsync"/> sends a command and waits for the answer it expects.
/// </summary>
public sealed class PluginLink : IDisposable
{
    readonly Socket socket;
    readonly IPEndPoint server;
    readonly IReadOnlyList<IPEndPoint> forward;
    readonly LogWriter log;
    readonly Timings timings;
    readonly CancellationTokenSource stop = new();
    readonly List<Waiter> waiters = [];
    long received, foreign, passedBack, malformedUnlogged, lastMalformedLog = long.MinValue;

    sealed record Waiter(Func<PluginMessage, bool> Expects, TaskCompletionSource<PluginMessage> Answer);

    public PluginLink(int listenPort, int serverPort, IReadOnlyList<IPEndPoint> forward, LogWriter log, Timings timings)
    {
        (server, this.forward, this.log, this.timings) = (new IPEndPoint(IPAddress.Loopback, serverPort), forward, log, timings);
        socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // A downstream plugin on another machine is reached from every interface; otherwise loopback only.
        var bindTo = forward.All(f => IPAddress.IsLoopback(f.Address)) ? IPAddress.Loopback : IPAddress.Any;
        try { socket.Bind(new IPEndPoint(bindTo, listenPort)); }
        catch (SocketException) { socket.Dispose(); throw; }
        Address = $"127.0.0.1:{listenPort}";
        LocalPort = serverPort;
        // A thread of its own, blocking on the socket: cheaper in the binary than the async receive, and one per run.
        new Thread(ReceiveLoop) { IsBackground = true, Name = "plugin link" }.Start();
    }

    /// <summary>Where acws receives (acServer's <c>UDP_PLUGIN_ADDRESS</c>).</summary>
    public string Address { get; }
    /// <summary>Where acws sends commands (acServer's <c>UDP_PLUGIN_LOCAL_PORT</c>).</summary>
    public int LocalPort { get; }
    public IEnumerable<string> Forward => forward.Select(f => f.ToString());
    public PluginDatagramCounts Counts { get; } = new();
    /// <summary>Datagrams from acServer, decoded or not.</summary>
    public long Received => Interlocked.Read(ref received);
    /// <summary>Datagrams from neither acServer nor a downstream plugin: dropped.</summary>
    public long Foreign => Interlocked.Read(ref foreign);
    /// <summary>Datagrams from a downstream plugin passed on to acServer.</summary>
    public long PassedBack => Interlocked.Read(ref passedBack);

    /// <summary>A message decoded from acServer, on the receive loop (keep it quick).</summary>
    public event Action<PluginMessage>? Heard;

    void ReceiveLoop()
    {
        var buffer = new byte[65_536];
        while (!stop.IsCancellationRequested)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int length;
            try { length = socket.ReceiveFrom(buffer, ref from); }
            catch (ObjectDisposedException) { return; }
            // Closed by Dispose; or, on Windows, an earlier send's ICMP "port unreachable" (nothing was received).
            catch (SocketException) { continue; }
            try { Take(buffer.AsSpan(0, length), (IPEndPoint)from); }
            catch (Exception e) when (e is not OutOfMemoryException) { log.Write($"plugin link: {e.Message}"); }
        }
    }

    void Take(ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        if (from.Equals(server))
        {
            if (Interlocked.Increment(ref received) == 1) Send(PluginCommand.GetSessionInfo());
            foreach (var downstream in forward) SendTo(datagram, downstream);
            var decoded = PluginProtocol.Decode(datagram);
            Counts.Add(decoded);
            if (decoded.Message is { } message) Deliver(message);
            else LogMalformed(decoded);
        }
        else if (forward.Contains(from))
        {
            Interlocked.Increment(ref passedBack);
            SendTo(datagram, server);
        }
        else Interlocked.Increment(ref foreign);
    }

    void Deliver(PluginMessage message)
    {
        lock (waiters)
        {
            // An ERROR answers the oldest command waiting; anything else the oldest that expects it.
            int i = waiters.FindIndex(w => message is PluginMessage.Error || w.Expects(message));
            if (i >= 0)
            {
                waiters[i].Answer.TrySetResult(message);
                waiters.RemoveAt(i);
            }
            else if (message is PluginMessage.Error error) log.Write($"plugin link: acServer says {error.Message}");
        }
        Heard?.Invoke(message);
    }

    void LogMalformed(in PluginDatagram d)
    {
        long now = Environment.TickCount64, last = Interlocked.Read(ref lastMalformedLog);
        if (last != long.MinValue && now - last < (long)timings.PluginMalformedLogEvery.TotalMilliseconds)
        {
            Interlocked.Increment(ref malformedUnlogged);
            return;
        }
        Interlocked.Exchange(ref lastMalformedLog, now);
        long more = Interlocked.Exchange(ref malformedUnlogged, 0);
        log.Write($"plugin link: dropped a malformed datagram: {d.Why}" + (more > 0 ? $" ({more} more since the last such line)" : ""));
    }

    void Send(byte[] datagram) => SendTo(datagram, server);

    void SendTo(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        try { socket.SendTo(datagram, SocketFlags.None, to); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { /* UDP: a lost datagram is the protocol's own risk */ }
    }

    /// <summary>
    /// Sends <paramref name="command"/> to acServer. With <paramref name="expects"/>, waits for the first message it
    /// accepts (returned), or an ERROR (returned as the error's text), or the reply timeout (an error saying so);
    /// without, returns once sent (acServer does not confirm chat or admin commands).
    /// </summary>
    public async Task<PluginAnswer> AskAsync(byte[] command, Func<PluginMessage, bool>? expects)
    {
        if (expects is null)
        {
            Send(command);
            return new(null, null);
        }
        var waiter = new Waiter(expects, new TaskCompletionSource<PluginMessage>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (waiters) waiters.Add(waiter);
        Send(command);
        var timeout = timings.PluginReplyTimeout;
        if (await Task.WhenAny(waiter.Answer.Task, Task.Delay(timeout, stop.Token).ContinueWith(_ => { })) != waiter.Answer.Task)
        {
            lock (waiters) waiters.Remove(waiter);
            return new(null, stop.IsCancellationRequested
                ? "the plugin link closed (acServer stopped) before acServer answered"
                : $"acServer did not answer within {timeout.TotalSeconds:0.###} s (UDP plugin port {LocalPort})");
        }
        var answer = await waiter.Answer.Task;
        return answer is PluginMessage.Error e ? new(null, $"acServer refused it: {e.Message}") : new(answer, null);
    }

    public void Dispose()
    {
        if (stop.IsCancellationRequested) return;
        stop.Cancel();
        socket.Dispose();
    }
}

/// <summary>What a command got: the answer it expected, or why not (acServer's ERROR, the timeout, the link closing).</summary>
public sealed record PluginAnswer(PluginMessage? Message, string? Error);
