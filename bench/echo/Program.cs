using System.Net;
using System.Net.WebSockets;

// echo --port N: accepts WebSocket upgrades at / on 127.0.0.1 and sends every message back; nothing else.
// The same HttpListener setup and per-connection Task.Run as acws's Host/Listener.cs, without any protocol.
int port = args.Length == 2 && args[0] == "--port" ? int.Parse(args[1]) : throw new ArgumentException("usage: echo --port N");
var http = new HttpListener();
http.Prefixes.Add($"http://127.0.0.1:{port}/");
http.Start();
Console.WriteLine($"echo listening on ws://127.0.0.1:{port}/");
Console.Out.Flush();
while (true)
{
    var context = await http.GetContextAsync();
    _ = Task.Run(() => Serve(context));
}

static async Task Serve(HttpListenerContext context)
{
    try
    {
        if (!context.Request.IsWebSocketRequest) { context.Response.StatusCode = 400; context.Response.Close(); return; }
        var ws = (await context.AcceptWebSocketAsync(null, 16 * 1024, TimeSpan.FromSeconds(30))).WebSocket;
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int n = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(buffer.AsMemory(n), default);
                n += r.Count;
            } while (!r.EndOfMessage);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                break;
            }
            await ws.SendAsync(buffer.AsMemory(0, n), r.MessageType, true, default);
        }
    }
    catch (Exception e) when (e is WebSocketException or HttpListenerException or IOException or ObjectDisposedException) { }
    finally { context.Response.Abort(); }
}
