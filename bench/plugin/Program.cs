// bench/plugin.sh's load generator, a process of its own. It plays acServer's side of the UDP plugin link (sending
// from UDP_PLUGIN_LOCAL_PORT to UDP_PLUGIN_ADDRESS, as acServer does) against a running acws, then:
//  (a) 32 cars of CAR_UPDATE at 18 Hz (576 datagrams/s) for --seconds, with acws's CPU from /proc/PID/stat;
//  (b) --clients WebSocket clients, and for each of --laps LAP_COMPLETED datagrams the time until every client has
//      the lap frame: p50/p99/max over all (lap, client) pairs.
// Prints Markdown table rows. Loopback only.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Numerics;
using System.Text;
using System.Text.Json;
using AcWs.Live;
using AcWs.StandIn;
using M = AcWs.Live.PluginMessage;

string Arg(string name, string? otherwise = null)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : otherwise ?? throw new ArgumentException($"missing {name}");
}
int pid = int.Parse(Arg("--acws-pid"), CultureInfo.InvariantCulture);
var wsUrl = new Uri(Arg("--ws"));
int local = int.Parse(Arg("--local"), CultureInfo.InvariantCulture);
var address = IPEndPoint.Parse(Arg("--address"));
int seconds = int.Parse(Arg("--seconds", "60"), CultureInfo.InvariantCulture);
int clients = int.Parse(Arg("--clients", "100"), CultureInfo.InvariantCulture);
int laps = int.Parse(Arg("--laps", "200"), CultureInfo.InvariantCulture);
double clkTck = double.Parse(Arg("--clk-tck", "100"), CultureInfo.InvariantCulture);
const int Cars = 32, Hz = 18;

using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, local));
void Send(M m) => udp.Send(PluginEncoder.Encode(m), address);
// acws's commands (session info, car info, …) arrive here; the bench answers none of them.
_ = Task.Run(async () => { while (true) try { await udp.ReceiveAsync(); } catch (SocketException) { } catch (ObjectDisposedException) { return; } });

await using var control = await Client.ConnectAsync(wsUrl);
await control.AskAsync("server start");
Send(new M.Version(4));
Send(new M.SessionInfo(true, 4, 0, 0, 1, "bench", "barbagallo", "", "Race", PluginSessionType.Race, 0, 999, 60, 20, 26, "3_clear", 0));
for (int car = 0; car < Cars; car++)
{
    Send(new M.Connection(true, $"Bench Driver {car:00}", (76561198000000000 + car).ToString(CultureInfo.InvariantCulture), car, "rss_formula_rss_4", "skin"));
    Send(new M.ClientLoaded(car));
}
for (var until = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
{
    using var live = JsonDocument.Parse(await control.AskAsync("live"));
    if (live.RootElement.TryGetProperty("data", out var d) && d.TryGetProperty("live", out var l) && l.GetProperty("cars").GetArrayLength() == Cars) break;
    if (DateTime.UtcNow > until) { Console.Error.WriteLine("plugin bench: acws's `live` never listed the 32 cars (is the live-agent side merged and the link up?)"); return 1; }
}

// (a) ingest
double Cpu() // utime + stime of acws in seconds
{
    var f = File.ReadAllText($"/proc/{pid}/stat");
    var rest = f[(f.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / clkTck;
}
async Task<double> Measure(int secs, bool send)
{
    var clock = Stopwatch.StartNew();
    double before = Cpu();
    long tick = 0, interval = Stopwatch.Frequency / Hz, start = Stopwatch.GetTimestamp();
    while (clock.Elapsed.TotalSeconds < secs)
    {
        if (send)
            for (int car = 0; car < Cars; car++)
            {
                float spline = (float)((clock.Elapsed.TotalSeconds / 90 + car / 32.0) % 1);
                Send(new M.CarUpdate(car, new Vector3(spline * 100, 0, car), new Vector3(50, 0, 0), 4, 7000, spline));
            }
        tick++;
        long wait = start + tick * interval - Stopwatch.GetTimestamp();
        if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
    }
    return (Cpu() - before) / clock.Elapsed.TotalSeconds * 100;
}
double idle = await Measure(Math.Min(10, seconds), send: false);
double ingest = await Measure(seconds, send: true);
Console.WriteLine($"| UDP plugin ingest: {Cars} cars of CAR_UPDATE at {Hz} Hz ({Cars * Hz} datagrams/s) for {seconds} s | {ingest:0.00} % of one core (idle {idle:0.00} %) | under 2 % |");

// (b) fan-out
var ws = new List<Client>();
for (int i = 0; i < clients; i++) ws.Add(await Client.ConnectAsync(wsUrl));
long[,] got = new long[laps, clients];
var remaining = new int[laps];
var done = Enumerable.Range(0, laps).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
const long Marker = 120_000;
for (int i = 0; i < laps; i++) remaining[i] = clients;
var readers = ws.Select((c, ci) => Task.Run(async () =>
{
    while (true)
    {
        string frame;
        try { frame = await c.ReceiveAsync(); } catch (Exception) { return; }
        long at = Stopwatch.GetTimestamp();
        using var doc = JsonDocument.Parse(frame);
        if (!doc.RootElement.TryGetProperty("data", out var data) || !data.TryGetProperty("lap", out var lap) || !lap.TryGetProperty("lap_ms", out var ms)) continue;
        int k = (int)(ms.GetInt64() - Marker);
        if (k < 0 || k >= laps || got[k, ci] != 0) continue;
        got[k, ci] = at;
        if (Interlocked.Decrement(ref remaining[k]) == 0) done[k].TrySetResult();
    }
})).ToList();
var sent = new long[laps];
var board = Enumerable.Range(0, Cars).Select(c => new LeaderboardEntry(c, Marker, 1, false)).ToList();
int missed = 0;
for (int k = 0; k < laps; k++)
{
    sent[k] = Stopwatch.GetTimestamp();
    Send(new M.LapCompleted(k % Cars, Marker + k, 0, board, 1f));
    if (await Task.WhenAny(done[k].Task, Task.Delay(5000)) != done[k].Task) missed++;
    await Task.Delay(20);
}
var latencies = new List<double>();
for (int k = 0; k < laps; k++)
    for (int ci = 0; ci < clients; ci++)
        if (got[k, ci] != 0) latencies.Add((got[k, ci] - sent[k]) * 1000.0 / Stopwatch.Frequency);
latencies.Sort();
double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
Console.WriteLine($"| lap datagram → lap frame on {clients} WebSocket clients ({laps} laps, {latencies.Count} frames{(missed > 0 ? $", {missed} laps not on every client within 5 s" : "")}) | p50 {P(0.5):0.00} ms, p99 {P(0.99):0.00} ms, max {latencies.LastOrDefault():0.00} ms | p99 under 10 ms |");
foreach (var c in ws) await c.DisposeAsync();
await control.AskAsync("server stop");
return 0;

/// <summary>One WebSocket client of acws: its welcome is read on connect.</summary>
sealed class Client : IAsyncDisposable
{
    readonly ClientWebSocket ws = new();
    readonly byte[] buffer = new byte[1 << 20];

    public static async Task<Client> ConnectAsync(Uri url)
    {
        var c = new Client();
        c.ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await c.ws.ConnectAsync(url, new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        await c.ReceiveAsync();
        return c;
    }

    /// <summary>Sends a command and returns the next frame that is not a pushed event.</summary>
    public async Task<string> AskAsync(string command)
    {
        await ws.SendAsync(Encoding.UTF8.GetBytes(command), WebSocketMessageType.Text, true, default);
        while (true)
        {
            string frame = await ReceiveAsync();
            if (!frame.Contains("\"event\":true")) return frame;
        }
    }

    public async Task<string> ReceiveAsync()
    {
        int n = 0;
        ValueWebSocketReceiveResult r;
        do
        {
            r = await ws.ReceiveAsync(buffer.AsMemory(n), default);
            n += r.Count;
            if (r.MessageType == WebSocketMessageType.Close) throw new WebSocketException("closed by acws");
        } while (!r.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    public async ValueTask DisposeAsync()
    {
        try { await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", new CancellationTokenSource(2000).Token); } catch (Exception) { }
        ws.Dispose();
    }
}
