using System.Net.WebSockets;

namespace AcWs.Host;

/// <summary>
/// A connection's replies and pushed events, sent in order by whichever thread queues a frame while none is being
/// sent: a send that completes at once (the usual case: the kernel takes the bytes) costs no thread hop and no task.
/// Only a send that has to wait is awaited, under a timer that drops the connection if it waits too long; an idle
/// connection holds no buffer, task or timer. Bounded: <see cref="TryQueue"/> fails past the byte or frame budget.
/// </summary>
public sealed class Outbox(WebSocket socket, Action abort)
{
    const int MaxFrames = 1024;
    /// <summary>Bytes of replies a client may leave unread; one frame is always allowed, however large.</summary>
    public const int MaxBytes = 8 * 1024 * 1024;
    static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    /// <summary>How long a closing connection waits for the peer to answer its close frame.</summary>
    static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);

    readonly record struct Item(byte[]? Frame, WebSocketCloseStatus? Close, string? Reason);

    readonly Lock gate = new();
    readonly Queue<Item> items = new(4);
    long bytes;
    bool sending, completed;
    TaskCompletionSource? drained;

    /// <summary>
    /// Queues a frame (or drops it, once completed); returns what is over budget, for the caller to drop the
    /// client, or null.
    /// </summary>
    public string? Queue(byte[] frame)
    {
        lock (gate)
        {
            if (completed) return null;
            if (bytes + frame.Length > MaxBytes && bytes > 0) return $"over {MaxBytes / (1024 * 1024)} MiB";
            if (items.Count >= MaxFrames) return $"{MaxFrames} frames";
            bytes += frame.Length;
            items.Enqueue(new Item(frame, null, null));
            if (sending) return null;
            sending = true;
        }
        _ = SendAllAsync();
        return null;
    }

    /// <summary>Queues a close frame after everything already queued; nothing is queued after it.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        lock (gate)
        {
            if (completed) return;
            completed = true;
            items.Enqueue(new Item(null, status, reason));
            if (sending) return;
            sending = true;
        }
        _ = SendAllAsync();
    }

    /// <summary>Takes no more frames; those queued are still sent.</summary>
    public void Complete()
    {
        lock (gate) completed = true;
    }

    /// <summary>Completes when nothing is queued or being sent (or the connection was dropped).</summary>
    public Task DrainedAsync()
    {
        lock (gate)
        {
            if (!sending) return Task.CompletedTask;
            return (drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    async Task SendAllAsync()
    {
        try
        {
            while (true)
            {
                Item item;
                lock (gate)
                {
                    if (!items.TryDequeue(out item))
                    {
                        sending = false;
                        drained?.TrySetResult();
                        return;
                    }
                }
                if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) { Drop(); return; }
                if (item.Close is { } status)
                {
                    await Guarded(new ValueTask(socket.CloseOutputAsync(status, item.Reason, default)));
                    // Give the peer a moment to answer the close, then stop waiting for it.
                    _ = Task.Delay(CloseWait).ContinueWith(_ => abort(), TaskScheduler.Default);
                    Drop();
                    return;
                }
                await Guarded(socket.SendAsync(item.Frame.AsMemory(), WebSocketMessageType.Text, true, default));
                lock (gate) bytes -= item.Frame!.Length;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            Drop();
            abort();
        }
    }

    /// <summary>Awaits a send; only one that did not complete at once gets a timer, which drops the connection.</summary>
    async ValueTask Guarded(ValueTask send)
    {
        if (send.IsCompleted) { send.GetAwaiter().GetResult(); return; }
        using var timer = new Timer(static a => ((Action)a!)(), abort, SendTimeout, Timeout.InfiniteTimeSpan);
        await send;
    }

    void Drop()
    {
        lock (gate)
        {
            completed = true;
            items.Clear();
            bytes = 0;
            sending = false;
            drained?.TrySetResult();
        }
    }
}
