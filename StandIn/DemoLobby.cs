using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AcWs.StandIn;

/// <summary>
/// The lobby of <c>acws --demo</c>: a tiny HTTP server on 127.0.0.1 that answers a register call as the Kunos lobby
/// does (<c>OK,0,8081</c>), so the demo shows registration working without calling the real lobby. Each request gets
/// a few seconds and one read of at most 8 KiB of header; anything else is answered 404.
/// </summary>
public sealed class DemoLobby : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new();
    readonly Task serving;

    public DemoLobby()
    {
        listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/lobby.ashx";
        serving = Task.Run(ServeAsync);
    }

    /// <summary>What acws and the demo's stand-in acServer register with (<c>--lobby-url</c>).</summary>
    public string BaseUrl { get; }

    async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = AnswerAsync(client);
        }
    }

    async Task AnswerAsync(TcpClient client)
    {
        using var _ = client;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var stream = client.GetStream();
            var buffer = new byte[8192];
            int length = 0;
            while (length < buffer.Length && !Encoding.ASCII.GetString(buffer, 0, length).Contains("\r\n\r\n"))
            {
                int n = await stream.ReadAsync(buffer.AsMemory(length), deadline.Token);
                if (n == 0) return;
                length += n;
            }
            string path = Encoding.ASCII.GetString(buffer, 0, length).Split(' ') is [_, var p, ..] ? p : "";
            bool known = path.StartsWith("/lobby.ashx/register?", StringComparison.Ordinal) || path.StartsWith("/lobby.ashx/ping?", StringComparison.Ordinal);
            var body = Encoding.ASCII.GetBytes(known ? "OK,0,8081" : "not found");
            var head = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {(known ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head, deadline.Token);
            await stream.WriteAsync(body, deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        await serving;
    }
}
