using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using AcWs.Commands;
using AcWs.Runtime;

namespace AcWs.Host;

/// <summary>
/// One WebSocket connection. Replies and pushed events go through its own bounded <see cref="Outbox"/>, so a slow or
/// dead client never blocks another client or the agent: when it holds more than <see cref="Outbox.MaxBytes"/> not
/// yet sent (or too many frames) the client is dropped. Commands that only read memory are answered on the thread
/// that received them; the others run on the worker pool (<see cref="Command.ReadOnly"/>, <see cref="Workers"/>).
/// </summary>
public sealed class Client
{
    public const int MaxMessageBytes = 64 * 1024;
    /// <summary>What an idle connection holds to receive its next message; a bigger message gets a bigger buffer.</summary>
    const int FirstReceiveBytes = 512;
    /// <summary>Commands a client may have answered back to back from its buffered input before others get a turn.</summary>
    const int Burst = 16;
    static long nextId;

    readonly WebSocket socket;
    readonly Agent agent;
    readonly Outbox outbox;
    volatile bool closing;
    /// <summary>Commands answered since this client's last receive had to wait.</summary>
    int burst;

    public Client(WebSocket socket, Agent agent, string remote)
    {
        this.socket = socket;
        this.agent = agent;
        outbox = new Outbox(socket, Abort);
        Remote = remote;
        Id = Interlocked.Increment(ref nextId);
    }

    public long Id { get; }
    public string Remote { get; }

    public void Enqueue(byte[] frame)
    {
        if (outbox.Queue(frame) is not { } over || closing) return;
        agent.Log.Write($"client#{Id} {Remote} is not reading its replies ({over} unsent); dropping it");
        Abort();
    }

    /// <summary>Sends a close frame after everything already queued.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        closing = true;
        outbox.Close(status, reason);
    }

    void Abort()
    {
        outbox.Complete();
        socket.Abort();
    }

    /// <summary>Runs the connection until it closes: the welcome frame, then one reply per command, in order.</summary>
    public async Task RunAsync()
    {
        agent.Hub.Add(this);
        agent.Log.Write($"client#{Id} {Remote} connected ({agent.Hub.Count} connected)");
        try
        {
            Enqueue(Reply.Ok(new WelcomeData(
                $"Welcome to the Assetto Corsa WebSocket server version {Agent.Version} running at {agent.Hub.Endpoint}",
                Agent.Version)).ToUtf8());
            await ReceiveLoopAsync();
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer went away; nothing to answer.
        }
        finally
        {
            agent.Hub.Remove(this);
            outbox.Complete();
            try { await outbox.DrainedAsync().WaitAsync(TimeSpan.FromSeconds(5)); } catch { /* already gone */ }
            socket.Dispose();
            agent.Log.Write($"client#{Id} {Remote} disconnected ({agent.Hub.Count} connected)");
        }
    }

    async Task ReceiveLoopAsync()
    {
        while (socket.State == WebSocketState.Open)
        {
            var (text, ended) = await ReceiveTextAsync();
            if (ended) return;
            if (text is null) continue;
            await HandleAsync(text);
            // A client with more commands already buffered goes to the back of the queue now and then,
            // so a client that pipelines cannot hold a thread while others wait.
            if (++burst >= Burst) { burst = 0; await Task.Yield(); }
        }
    }

    /// <summary>
    /// The next text message (none after a binary one, which is answered here), or that the connection is ending.
    /// The buffer is rented per message, so an idle connection does not keep 64 KiB.
    /// </summary>
    async Task<(string? Text, bool Ended)> ReceiveTextAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(FirstReceiveBytes);
        try
        {
            int length = 0;
            int capacity = Math.Min(buffer.Length, MaxMessageBytes + 1);
            ValueWebSocketReceiveResult result;
            do
            {
                if (length > MaxMessageBytes)
                {
                    agent.Log.Write($"client#{Id} {Remote} sent a message over {MaxMessageBytes} bytes; closing");
                    Close(WebSocketCloseStatus.MessageTooBig, $"message over {MaxMessageBytes / 1024} KiB");
                    return (null, true);
                }
                if (length == capacity)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(MaxMessageBytes + 1);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                    capacity = Math.Min(buffer.Length, MaxMessageBytes + 1);
                }
                var receiving = socket.ReceiveAsync(buffer.AsMemory(length, capacity - length), default);
                if (!receiving.IsCompleted) burst = 0;
                result = await receiving;
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Close(WebSocketCloseStatus.NormalClosure, "bye");
                    return (null, true);
                }
                // Binary messages are drained without keeping them.
                length = result.MessageType == WebSocketMessageType.Binary ? 0 : length + result.Count;
            } while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Binary)
            {
                Enqueue(Reply.Fail("binary frames are not understood: send a command as a text frame, e.g. 'server info'").ToUtf8());
                return (null, false);
            }
            if (length > MaxMessageBytes)
            {
                Close(WebSocketCloseStatus.MessageTooBig, $"message over {MaxMessageBytes / 1024} KiB");
                return (null, true);
            }
            // Text frames are valid UTF-8: the WebSocket layer closes with 1007 otherwise (RFC 6455).
            return (Encoding.UTF8.GetString(buffer, 0, length), false);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    async Task HandleAsync(string text)
    {
        string line = text.Trim();
        // The original's clients announce themselves with "logon: ..."; access is the token, so it is ignored.
        if (line.StartsWith("logon:", StringComparison.OrdinalIgnoreCase)) return;

        agent.Log.Write($"client#{Id} {Remote} > {(line.Length > 200 ? line[..200] + "…" : line)}");
        using var busy = agent.Hub.CommandRunning();
        Reply reply;
        try { reply = await Dispatcher.TryRunInlineAsync(line, agent.Rooms) ?? await Workers.RunAsync(() => Dispatcher.RunAsync(line, agent.Rooms)); }
        catch (Exception e)
        {
            agent.Log.Write($"client#{Id} command '{line}' failed: {e}");
            reply = Reply.Fail($"internal error while running '{line}': {e.Message}");
        }
        for (var r = reply; r is not null; r = r.Then)
        {
            Enqueue(r.ToUtf8());
            if (r.Topic is { } topic) agent.Hub.Push(r.ToEventUtf8(topic), except: this);
            r.AfterSent?.Invoke();
        }
    }
}
