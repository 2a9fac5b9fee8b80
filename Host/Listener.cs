using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AcWs.Commands;
using AcWs.Runtime;

namespace AcWs.Host;

/// <summary>Thrown when the listener cannot start (port in use, bad address): exit code 1.</summary>
public sealed class StartException(string message) : Exception(message);

/// <summary>
/// The HTTP edge: WebSocket upgrades at <c>/</c>, the web console (<c>GET /</c> and its files), <c>GET /health</c>,
/// and nothing else. Checks the Origin, the token and the connection limit before upgrading.
/// </summary>
public sealed class Listener : IAsyncDisposable
{
    readonly Agent agent;
    /// <summary>Made again for each attempt to start: a failed Start leaves an HttpListener closed for good.</summary>
    HttpListener http = new();
    readonly byte[]? token;
    readonly List<Task> connections = [];
    readonly CancellationTokenSource stopping = new();
    StalledConnections? stalled;
    int active;

    /// <summary>How long a connection may go without a whole request header (HttpListener on Linux has no such limit).</summary>
    public static readonly TimeSpan RequestHeaderDeadline = TimeSpan.FromSeconds(10);

    public Listener(Agent agent)
    {
        this.agent = agent;
        token = agent.Options.Token is { } t ? SHA256.HashData(Encoding.UTF8.GetBytes(t)) : null;
    }

    public int Port { get; private set; }

    /// <summary>Starts listening; <c>--port 0</c> picks a free port.</summary>
    public void Start()
    {
        string host = agent.Options.Host;
        int port = agent.Options.Port;
        string prefixHost = host switch
        {
            "0.0.0.0" or "*" or "+" => "*",
            _ when IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 => $"[{ip}]",
            _ => host,
        };
        for (int attempt = 0; ; attempt++)
        {
            int candidate = port == 0 ? FreePort(host) : port;
            if (attempt > 0) http = new HttpListener();
            http.Prefixes.Clear();
            http.Prefixes.Add($"http://{prefixHost}:{candidate}/");
            // HttpListener matches the Host header: let ws://localhost:PORT/ reach a 127.0.0.1 listener too.
            if (prefixHost == "127.0.0.1") http.Prefixes.Add($"http://localhost:{candidate}/");
            try
            {
                http.Start();
                Port = candidate;
                stalled = new StalledConnections(Port, RequestHeaderDeadline);
                string shown = prefixHost == "*" ? host : prefixHost;
                agent.Hub.Endpoint = $"{shown}:{Port}";
                return;
            }
            catch (HttpListenerException e) when (port == 0 && attempt < 5)
            {
                _ = e; // the free port was taken between probe and bind; try another
            }
            catch (ArgumentNullException) when (attempt < 5)
            {
                // .NET's managed HttpListener throws this when a client connects just as it starts (an accept
                // completing inside its endpoint's constructor, before its fields are set). The half-made endpoint
                // holds the port until it is finalized: collect it, then start again.
                CollectHalfMadeEndpoints();
            }
            catch (Exception e) when (e is HttpListenerException or SocketException && port != 0 && attempt is > 0 and < 5)
            {
                _ = e; // the port is still held by the half-made endpoint of the attempt before: once more
                CollectHalfMadeEndpoints();
                Thread.Sleep(10 * attempt);
            }
            catch (Exception e) when (e is HttpListenerException or SocketException)
            {
                throw new StartException($"cannot listen on {host}:{candidate}: {e.Message}" +
                    (e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase) ? " (is another acws running? pick another --port)" : ""));
            }
        }
    }

    static void CollectHalfMadeEndpoints()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    static int FreePort(string host)
    {
        var address = IPAddress.TryParse(host, out var ip) ? ip : IPAddress.Loopback;
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Accepts requests until <see cref="DisposeAsync"/>.</summary>
    public async Task RunAsync()
    {
        stalled?.Start(stopping.Token);
        while (http.IsListening)
        {
            HttpListenerContext context;
            try { context = await http.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            // Off the accept loop: parts of a connection's start can run synchronously for a while.
            var task = Task.Run(() => HandleAsync(context));
            lock (connections)
            {
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(task);
            }
        }
    }

    async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        string remote = request.RemoteEndPoint?.ToString() ?? "?";
        using var inProgress = stalled!.Begin(request.RemoteEndPoint);
        try
        {
            string path = request.Url?.AbsolutePath ?? "/";
            WebConsole.AddSecurityHeaders(request, response);
            if (path == "/health" && request.HttpMethod is "GET" or "HEAD")
            {
                var body = WireJson.ToUtf8(new HealthData("ok", Agent.Version), WireJson.Default.HealthData);
                Respond(response, 200, "application/json", body, head: request.HttpMethod == "HEAD");
                return;
            }
            if (!request.IsWebSocketRequest && request.HttpMethod is "GET" or "HEAD" && WebConsole.Serves(path))
            {
                WebConsole.Respond(request, response, path);
                return;
            }
            if (path != "/")
            {
                Respond(response, 404, "text/plain", "not found: WebSocket clients connect to /, browsers open / and GET /health reports status\n"u8.ToArray());
                return;
            }
            // Whatever the answer to a WebSocket request, the connection ends with it.
            response.KeepAlive = false;
            if (!request.IsWebSocketRequest)
            {
                Respond(response, 400, "text/plain", "this is a WebSocket endpoint: connect with a WebSocket client, or GET / with a browser\n"u8.ToArray());
                return;
            }
            if (request.Headers["Sec-WebSocket-Version"] != "13")
            {
                response.AddHeader("Sec-WebSocket-Version", "13");
                Respond(response, 426, "text/plain", "this server speaks WebSocket version 13 (RFC 6455): send 'Sec-WebSocket-Version: 13'\n"u8.ToArray());
                return;
            }
            if (!IsHandshakeKey(request.Headers["Sec-WebSocket-Key"]))
            {
                Respond(response, 400, "text/plain", "a WebSocket upgrade needs 'Sec-WebSocket-Key': 16 random bytes in base64 (RFC 6455)\n"u8.ToArray());
                return;
            }
            if (!WebConsole.OriginAllowed(request.Headers["Origin"], request.Headers["Host"], agent.Options.AllowOrigins))
            {
                agent.Log.Write($"refused {remote}: origin {request.Headers["Origin"]} is not this agent's address (see --allow-origin)");
                Respond(response, 403, "text/plain", "this web page's origin may not use this agent: open the agent's own address, or start acws with --allow-origin ORIGIN\n"u8.ToArray());
                return;
            }
            if (!Authorized(request))
            {
                agent.Log.Write($"refused {remote}: missing or wrong token");
                response.AddHeader("WWW-Authenticate", "Bearer");
                Respond(response, 401, "text/plain", "a valid token is needed: send 'Authorization: Bearer TOKEN' or ?token=TOKEN\n"u8.ToArray());
                return;
            }
            if (agent.Shutdown.IsRequested)
            {
                Respond(response, 503, "text/plain", "acws is shutting down\n"u8.ToArray());
                return;
            }
            if (Interlocked.Increment(ref active) > agent.Options.MaxClients)
            {
                Interlocked.Decrement(ref active);
                agent.Log.Write($"refused {remote}: {agent.Options.MaxClients} clients already connected");
                Respond(response, 503, "text/plain", Encoding.UTF8.GetBytes($"too many clients (at most {agent.Options.MaxClients}); try again later\n"));
                return;
            }
            try
            {
                var ws = (agent.Options.FrameworkUpgrade ? null : await WebSocketUpgrade.TryAccept(context, request.Headers["Sec-WebSocket-Key"]!))
                    ?? (await context.AcceptWebSocketAsync(subProtocol: null, receiveBufferSize: 16 * 1024, keepAliveInterval: TimeSpan.FromSeconds(30))).WebSocket;
                await new Client(ws, agent, remote).RunAsync();
            }
            finally { Interlocked.Decrement(ref active); }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
            agent.Log.Write($"connection from {remote} ended: {e.Message}");
        }
        catch (Exception e)
        {
            agent.Log.Write($"connection from {remote} failed: {e}");
        }
        finally
        {
            // Every request ends with its connection answered or dropped (a no-op after Respond):
            // after a WebSocket closes it drops the connection, so HttpListener writes nothing more on it.
            response.Abort();
        }
    }

    /// <summary>RFC 6455: the key is 16 bytes in base64 (24 characters).</summary>
    static bool IsHandshakeKey(string? key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key is { Length: 24 } && Convert.TryFromBase64String(key, decoded, out int length) && length == 16;
    }

    /// <summary>
    /// Bearer header (the scheme in any case, as RFC 7235 says) or <c>?token=</c> (exactly that name: HttpListener's
    /// own query lookup would also take <c>?TOKEN=</c>), compared in constant time (as hashes, so the length does not leak either).
    /// </summary>
    bool Authorized(HttpListenerRequest request)
    {
        if (token is null) return true;
        string? given = null;
        var header = request.Headers["Authorization"];
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) given = header[7..].Trim();
        given ??= QueryToken(request.Url?.Query);
        if (given is null) return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), token);
    }

    static string? QueryToken(string? query)
    {
        foreach (var pair in (query ?? "").TrimStart('?').Split('&'))
            if (pair.StartsWith("token=", StringComparison.Ordinal)) return Uri.UnescapeDataString(pair[6..].Replace('+', ' '));
        return null;
    }

    /// <summary>The one way the HTTP edge answers: status, type, length, and the body unless the request was HEAD.</summary>
    public static void Respond(HttpListenerResponse response, int status, string contentType, byte[] body, bool head = false)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        if (!head) response.OutputStream.Write(body);
        response.Close();
    }

    /// <summary>Stops accepting and waits (briefly) for open connections to finish closing; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] open;
        lock (connections) open = [.. connections];
        try { await Task.WhenAll(open).WaitAsync(TimeSpan.FromSeconds(3)); } catch { /* closing anyway */ }
        stopping.Cancel();
        // Close alone: the managed HttpListener's Close after Stop looks its endpoints up again, binding the port
        // once more, which fails ("Address already in use") when someone else took it in between.
        try { http.Close(); } catch (Exception e) { agent.Log.Write($"closing the listener: {e.Message}"); }
    }
}
