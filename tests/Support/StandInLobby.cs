using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AcWs.Tests.Support;

/// <summary>
/// A stand-in for the Kunos lobby: a real HTTP listener on 127.0.0.1 that records every request's path and
/// query (as sent, encoding and all) and answers as <see cref="Answer"/> says: a body with HTTP 200, another
/// status, or no answer at all (a hang).
/// </summary>
public sealed class StandInLobby : IAsyncDisposable
{
    // A TcpListener, not an HttpListener: the agent's own HttpListener shares one endpoint table per process.
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly List<string> requests = [];
    readonly CancellationTokenSource stop = new();
    readonly Task serving;

    public int Port { get; }
    /// <summary>The base address to give acws (<c>--lobby-url</c>) or the stand-in acServer.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port}/lobby.ashx";
    public volatile int Status = 200;
    public volatile string Body = "OK,0,8081";
    public volatile bool Hang;

    public StandInLobby()
    {
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        serving = Task.Run(ServeAsync);
    }

    /// <summary>Every request so far, as its raw path and query (<c>/lobby.ashx/register?name=…</c>).</summary>
    public string[] Requests { get { lock (requests) return [.. requests]; } }

    public async Task<string> WaitForRequestAsync(int count, TimeSpan? limit = null)
    {
        var until = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(20));
        while (Requests.Length < count)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"the lobby got {Requests.Length} requests, expected {count}");
            await Task.Delay(20);
        }
        return Requests[count - 1];
    }

    async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    async Task AnswerAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n"))
            {
                int n = await stream.ReadAsync(buffer, stop.Token);
                if (n == 0) return;
                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            var first = head.ToString().Split("\r\n")[0].Split(' ');
            lock (requests) requests.Add(first[1]);
            if (Hang) { await Task.Delay(Timeout.Infinite, stop.Token); return; }
            var body = Encoding.UTF8.GetBytes(Body);
            string reason = Status switch { 200 => "OK", 500 => "Internal Server Error", 404 => "Not Found", _ => "Status" };
            var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {Status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(response, stop.Token);
            await stream.WriteAsync(body, stop.Token);
        }
        catch (Exception) { /* the caller gave up, or we are stopping */ }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        await serving.ContinueWith(_ => { });
    }
}
