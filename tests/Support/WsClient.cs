using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AcWs.Tests.Support;

/// <summary>A real System.Net.WebSockets client that talks to acws on loopback.</summary>
public sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    readonly ClientWebSocket socket = new();

    public WebSocket Socket => socket;

    public static async Task<WsClient> ConnectAsync(int port, string? token = null, string? bearer = null, bool readWelcome = true)
    {
        var client = new WsClient();
        if (bearer is not null) client.socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        string query = token is null ? "" : "?token=" + Uri.EscapeDataString(token);
        using var cts = new CancellationTokenSource(Timeout);
        await client.socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/{query}"), cts.Token);
        if (readWelcome) await client.ReceiveAsync();
        return client;
    }

    public async Task SendAsync(string text)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cts.Token);
    }

    /// <summary>Sends a command and returns its reply: the next frame that is not a pushed event.</summary>
    public async Task<JsonElement> AskAsync(string command, TimeSpan? timeout = null)
    {
        await SendAsync(command);
        return await ReceiveUntilAsync(f => !IsPush(f), timeout ?? TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// Sends a command and returns its reply and the first pushed frame that satisfies <paramref name="push"/>, in
    /// whichever order they come (a push that <see cref="AskAsync"/> would skip while waiting for the reply is kept).
    /// </summary>
    public async Task<(JsonElement Reply, JsonElement Push)> AskAndAwaitAsync(string command, Func<JsonElement, bool> push, TimeSpan timeout)
    {
        await SendAsync(command);
        JsonElement? reply = null, pushed = null;
        var deadline = DateTime.UtcNow + timeout;
        while (reply is null || pushed is null)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"'{command}': reply {(reply is null ? "missing" : "came")}, push {(pushed is null ? "missing" : "came")}");
            var frame = await ReceiveAsync(left);
            if (!IsPush(frame)) reply ??= frame;
            else if (pushed is null && push(frame)) pushed = frame;
        }
        return (reply.Value, pushed.Value);
    }

    /// <summary>
    /// Frames the agent pushes on its own (what acServer printed, a crash, another client's change): every one is
    /// marked <c>"event":true</c> inside its <c>data</c> or <c>error</c>; a reply never is.
    /// </summary>
    public static bool IsPush(JsonElement f) =>
        (f.TryGetProperty("data", out var body) || f.TryGetProperty("error", out body))
        && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("event", out var marker) && marker.ValueKind == JsonValueKind.True;

    /// <summary>The topic of a pushed frame ("server", "driver", "tracker", …), or null for a reply or a pushed error.</summary>
    public static string? TopicOf(JsonElement f) =>
        IsPush(f) && f.TryGetProperty("data", out var d) && d.TryGetProperty("topic", out var t) ? t.GetString() : null;

    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        var text = await ReceiveTextAsync(timeout);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The next frame that satisfies <paramref name="match"/>, skipping others (e.g. unrelated pushed events).</summary>
    public async Task<JsonElement> ReceiveUntilAsync(Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("no matching frame arrived");
            var frame = await ReceiveAsync(left);
            if (match(frame)) return frame;
        }
    }

    public async Task<string> ReceiveTextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        var buffer = new byte[256 * 1024];
        int length = 0;
        while (true)
        {
            var r = await socket.ReceiveAsync(buffer.AsMemory(length), cts.Token);
            if (r.MessageType == WebSocketMessageType.Close)
                throw new WebSocketClosedException(socket.CloseStatus, socket.CloseStatusDescription);
            length += r.Count;
            if (r.EndOfMessage) return Encoding.UTF8.GetString(buffer, 0, length);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
            }
        }
        catch (Exception) { /* the agent may already be gone */ }
        socket.Dispose();
    }
}

public sealed class WebSocketClosedException(WebSocketCloseStatus? status, string? description)
    : Exception($"closed by the agent: {status} {description}")
{
    public WebSocketCloseStatus? Status { get; } = status;
}

public static class JsonExtensions
{
    public static JsonElement Data(this JsonElement frame) => frame.GetProperty("data");
    public static string ErrorMsg(this JsonElement frame) =>
        frame.TryGetProperty("error", out var e) ? e.GetProperty("msg").GetString()! : throw new Exception("expected an error, got " + frame);
    public static bool IsError(this JsonElement frame) => frame.TryGetProperty("error", out _);
    /// <summary>The error's msg, or null for a data reply: asserting it is null shows the text when it is not.</summary>
    public static string? ErrorOrNull(this JsonElement frame) =>
        frame.TryGetProperty("error", out var e) ? (e.TryGetProperty("msg", out var m) ? m.ToString() : e.ToString()) : null;
    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;
}
