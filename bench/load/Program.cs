using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

// load: starts each server itself (so it can time start-up), drives it over loopback WebSockets, reads its
// RSS from /proc, and prints one Markdown table. See README.md, Performance.
//   load --acws CMD --echo CMD --python CMD --acws-bin PATH --echo-bin PATH --fifo PATH [--out FILE]
// CMD is a shell command with {port}; it runs as `exec CMD >/dev/null 2>&1` (acws logs a line per command).

var opt = new Dictionary<string, string>();
for (int i = 0; i + 1 < args.Length; i += 2) opt[args[i].TrimStart('-')] = args[i + 1];
string Need(string k) => opt.TryGetValue(k, out var v) ? v : throw new ArgumentException($"--{k} is required");

// load --stall CMD (bench/stall.sh): one polling client's `server status` while 63 others pipeline `server entries`.
if (opt.TryGetValue("stall", out var stallCommand))
{
    Console.WriteLine(await Stall.RunAsync(stallCommand, Need("fifo")));
    return 0;
}

// load --quick PHASE --cmd CMD --fifo PATH [--repeat N] [--seconds S] (bench/quick.sh): one measure, repeated.
if (opt.TryGetValue("quick", out var phase))
{
    Console.WriteLine(await Quick.RunAsync(phase, Need("cmd"), Need("fifo"),
        int.Parse(opt.GetValueOrDefault("repeat", "3"), CultureInfo.InvariantCulture), int.Parse(opt.GetValueOrDefault("seconds", "60"), CultureInfo.InvariantCulture)));
    return 0;
}

// load --cpu TARGETS --fifo PATH (bench/cpu.sh): CPU time per command, idle CPU, RSS and start-up of each target.
if (opt.TryGetValue("cpu", out var cpuTargets))
{
    string cpuTable = await Cpu.RunAsync(Cpu.ReadTargets(cpuTargets), Need("fifo"));
    Console.WriteLine(cpuTable);
    if (opt.TryGetValue("out", out var cpuOut)) File.WriteAllText(cpuOut, cpuTable);
    return 0;
}

var targets = new[]
{
    new Target("acws", Need("acws"), Need("acws-bin"), IsAcws: true),
    new Target("echo floor (C#, NativeAOT)", Need("echo"), Need("echo-bin"), IsAcws: false),
    new Target("Python websockets", Need("python"), null, IsAcws: false),
};
string fifo = Need("fifo");
var results = new List<Results>();
foreach (var t in targets)
{
    Console.Error.WriteLine($"load: {t.Name} …");
    results.Add(await Bench.RunAsync(t, fifo));
}
string table = Report.Table(results);
Console.WriteLine(table);
if (opt.TryGetValue("out", out var outFile)) File.WriteAllText(outFile, table);
return 0;

record Target(string Name, string Command, string? Binary, bool IsAcws);

sealed class Results
{
    public required Target Target;
    public long? BinaryBytes;
    public double StartMs;
    public double IdleRssMiB, Rss500MiB;
    public Dictionary<string, double[]> LatencyUs = [];
    public Dictionary<int, double> Throughput = [];
    public double[]? FanoutMs;
    public int FanoutMissing;
    public double[]? GridMs, GridReverseMs, GridSaveMs;
    public string? GridError;
}

static class Bench
{
    public const int Warmup = 1000, Requests = 5000, FanClients = 500, FanEvents = 40, GridRuns = 200;
    public static readonly int[] Concurrency = [1, 16, 128];
    const double ThroughputSeconds = 3;

    public static async Task<Results> RunAsync(Target t, string fifo)
    {
        var r = new Results { Target = t, BinaryBytes = t.Binary is null ? null : new FileInfo(t.Binary).Length };

        // Start-up: median of 5 cold starts, each timed from Process.Start to a completed WebSocket upgrade.
        var starts = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var (s, ms) = await Server.StartAsync(t.Command, fifo);
            starts.Add(ms);
            await s.StopAsync();
        }
        r.StartMs = Stats.Percentile([.. starts], 50);

        var server = (await Server.StartAsync(t.Command, fifo)).Server;
        try
        {
            await Task.Delay(1000);
            r.IdleRssMiB = server.RssMiB();

            // Round trips over one connection.
            await using (var c = await Ws.ConnectAsync(server.Port, t.IsAcws))
            {
                if (t.IsAcws)
                {
                    r.LatencyUs["server info"] = await LatencyAsync(c, "server info");
                    r.LatencyUs["server entries"] = await LatencyAsync(c, "server entries");
                    string finish = await c.RoundTripAsync("grid finish");
                    if (!finish.Contains("SUCCESS")) throw new Exception($"grid finish: {finish}");
                    r.LatencyUs["grid order"] = await LatencyAsync(c, "grid order");
                }
                else r.LatencyUs["server info"] = await LatencyAsync(c, "server info");
            }

            foreach (int n in Concurrency) r.Throughput[n] = await ThroughputAsync(server.Port, t.IsAcws, n);

            // 500 clients held; for acws, the event fan-out to all of them.
            var many = await ConnectManyAsync(server.Port, t.IsAcws, FanClients);
            await Task.Delay(1000);
            r.Rss500MiB = server.RssMiB();
            if (t.IsAcws) (r.FanoutMs, r.FanoutMissing, _) = await FanoutAsync(server.Port, many, fifo, FanEvents);
            await Task.WhenAll(many.Select(m => m.DisposeAsync().AsTask()));

            if (t.IsAcws) await GridAsync(server.Port, r);
        }
        finally { await server.StopAsync(); }
        return r;
    }

    static async Task<double[]> LatencyAsync(Ws c, string command)
    {
        for (int i = 0; i < Warmup; i++) await c.RoundTripAsync(command);
        var us = new double[Requests];
        for (int i = 0; i < Requests; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await c.RoundTripAsync(command);
            us[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        return us;
    }

    static async Task<double> ThroughputAsync(int port, bool welcome, int clients)
    {
        var conns = await ConnectManyAsync(port, welcome, clients);
        long done = 0;
        var until = DateTime.UtcNow.AddSeconds(ThroughputSeconds);
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(conns.Select(async c =>
        {
            while (DateTime.UtcNow < until)
            {
                await c.RoundTripAsync("server info");
                Interlocked.Increment(ref done);
            }
        }));
        double rate = done / sw.Elapsed.TotalSeconds;
        await Task.WhenAll(conns.Select(m => m.DisposeAsync().AsTask()));
        return rate;
    }

    public static async Task<List<Ws>> ConnectManyAsync(int port, bool welcome, int n)
    {
        var all = new List<Ws>();
        for (int i = 0; i < n; i += 50)
            all.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(50, n - i)).Select(_ => Ws.ConnectAsync(port, welcome))));
        return all;
    }

    /// <summary>
    /// Writes `DRIVER: fanout-K [bench]` to the stand-in's pipe and times its arrival at every client; with
    /// <paramref name="cpuUs"/>, also the server's CPU time (µs) spent from the first event to the last arrival.
    /// </summary>
    public static Task<(double[] Ms, int Missing, double CpuUs)> FanoutAsync(int port, List<Ws> clients, string fifo, int events, Func<double>? cpuUs = null) =>
        WhileAcServerRunsAsync(port, () => FanoutAsync(clients, fifo, events, cpuUs));

    /// <summary>Runs <paramref name="measure"/> between `server start` and `server stop` (the FIFO stand-in prints only while it runs).</summary>
    public static async Task<T> WhileAcServerRunsAsync<T>(int port, Func<Task<T>> measure)
    {
        await using var control = await Ws.ConnectAsync(port, welcome: true);
        string started = await control.RoundTripAsync("server start");
        if (!started.StartsWith("{\"data\"")) throw new Exception($"server start: {started}");
        try { return await measure(); }
        finally { await control.RoundTripAsync("server stop"); }
    }

    static async Task<(double[] Ms, int Missing, double CpuUs)> FanoutAsync(List<Ws> clients, string fifo, int events, Func<double>? cpuUs)
    {
        var arrivals = new Arrivals(events, clients.Count);
        using var stop = new CancellationTokenSource();
        var readers = clients.Select((c, i) => Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    string msg = await c.ReceiveAsync(stop.Token);
                    long now = Stopwatch.GetTimestamp();
                    arrivals.Saw(Arrivals.EventIn(msg), i, now);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        })).ToArray();
        try
        {
            var (ms, _, missing, cpu) = await arrivals.PushAsync(fifo, cpuUs);
            return (ms, missing, cpu);
        }
        finally { stop.Cancel(); }
    }

    /// <summary>`grid reverse` then `grid save`, timed together and apart (20 warm-up runs first).</summary>
    static async Task GridAsync(int port, Results r)
    {
        await using var c = await Ws.ConnectAsync(port, welcome: true);
        List<double> both = [], reverse = [], save = [];
        for (int i = 0; i < GridRuns + 20; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            string a = await c.RoundTripAsync("grid reverse");
            long t1 = Stopwatch.GetTimestamp();
            string b = await c.RoundTripAsync("grid save");
            long t2 = Stopwatch.GetTimestamp();
            if (!a.Contains("SUCCESS") || !b.Contains("SUCCESS")) { r.GridError = $"{a} {b}"; return; }
            if (i < 20) continue;
            both.Add(Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds);
            reverse.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            save.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
        }
        (r.GridMs, r.GridReverseMs, r.GridSaveMs) = ([.. both], [.. reverse], [.. save]);
    }
}


/// <summary>
/// The fan-out's clock: the loop that writes `DRIVER: fanout-K [bench]` lines to the stand-in's pipe, and when each
/// client saw each line, as its readers report it: when the reader read it and, where the reader can tell, when the
/// kernel put it in the client's socket (its receive timestamp, CLOCK_REALTIME).
/// </summary>
sealed class Arrivals(int events, int clients)
{
    readonly long[,] seen = new long[events, clients];
    readonly long[,] stamped = new long[events, clients];
    readonly long[] sent = new long[events];
    readonly long[] sentRealNs = new long[events];
    readonly int[] remaining = Enumerable.Repeat(clients, events).ToArray();
    readonly TaskCompletionSource[] all = [.. Enumerable.Range(0, events).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

    /// <summary>The K of a message's `fanout-K`, or -1.</summary>
    public static int EventIn(ReadOnlySpan<char> text)
    {
        int at = text.IndexOf("fanout-", StringComparison.Ordinal);
        if (at < 0) return -1;
        int end = at + 7;
        while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
        return int.TryParse(text[(at + 7)..end], NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k : -1;
    }

    /// <summary>
    /// Client <paramref name="client"/> read event <paramref name="k"/> (-1: a frame of no event) at
    /// <paramref name="timestamp"/> (Stopwatch); <paramref name="stampRealNs"/> is the kernel's receive timestamp, 0 if none.
    /// </summary>
    public void Saw(int k, int client, long timestamp, long stampRealNs = 0)
    {
        if (k < 0 || k >= events || seen[k, client] != 0) return;
        stamped[k, client] = stampRealNs;
        seen[k, client] = timestamp;
        if (Interlocked.Decrement(ref remaining[k]) == 0) all[k].TrySetResult();
    }

    /// <summary>Whether every client has read event <paramref name="k"/>.</summary>
    public bool Complete(int k) => Volatile.Read(ref remaining[k]) == 0;

    /// <summary>
    /// Writes each line once the one before has reached every client (or 5 s passed) and 20 ms more; returns each
    /// arrival's delay in ms as read and as stamped by the kernel (empty if the readers stamp nothing), the deliveries
    /// missing and, with <paramref name="cpuUs"/>, the server's CPU µs meanwhile. <paramref name="afterWrite"/> runs
    /// after each line is written, before the wait for its readers.
    /// </summary>
    public async Task<(double[] Ms, double[] StampedMs, int Missing, double CpuUs)> PushAsync(string fifo, Func<double>? cpuUs, Func<int, Task>? afterWrite = null)
    {
        await using var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
        double cpuBefore = cpuUs?.Invoke() ?? 0;
        for (int k = 0; k < events; k++)
        {
            byte[] line = Encoding.ASCII.GetBytes($"DRIVER: fanout-{k} [bench]\n");
            sentRealNs[k] = Cpu.RealTimeNs();
            sent[k] = Stopwatch.GetTimestamp();
            pipe.Write(line);
            pipe.Flush();
            if (afterWrite is not null) await afterWrite(k);
            await Task.WhenAny(all[k].Task, Task.Delay(5000));
            await Task.Delay(20);
        }
        double cpu = cpuUs is null ? 0 : cpuUs() - cpuBefore;
        List<double> samples = [], stamps = [];
        int missing = 0;
        for (int k = 0; k < events; k++)
            for (int i = 0; i < clients; i++)
            {
                if (Volatile.Read(ref seen[k, i]) == 0) { missing++; continue; }
                samples.Add(Stopwatch.GetElapsedTime(sent[k], seen[k, i]).TotalMilliseconds);
                if (stamped[k, i] != 0) stamps.Add((stamped[k, i] - sentRealNs[k]) / 1e6);
            }
        return ([.. samples], [.. stamps], missing, cpu);
    }
}

sealed class Server
{
    public required Process Process;
    public int Port;

    public static async Task<(Server Server, double Ms)> StartAsync(string command, string fifo)
    {
        int port = FreePort();
        var psi = new ProcessStartInfo("/bin/sh", ["-c", $"exec {command.Replace("{port}", port.ToString(CultureInfo.InvariantCulture))} >/dev/null 2>&1"])
        { UseShellExecute = false };
        psi.Environment["BENCH_ACSERVER_FIFO"] = fifo;
        long t0 = Stopwatch.GetTimestamp();
        var p = Process.Start(psi)!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                await using var ws = await Ws.ConnectAsync(port, welcome: false);
                break;
            }
            catch (Exception e) when (e is WebSocketException or SocketException or HttpRequestException)
            {
                if (p.HasExited) throw new Exception($"'{command}' exited with code {p.ExitCode}");
                if (DateTime.UtcNow > deadline) throw new Exception($"'{command}' did not accept a connection in 20 s");
                Thread.Sleep(1);
            }
        }
        return (new Server { Process = p, Port = port }, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public double RssMiB() => Status("VmRSS:");
    /// <summary>The most resident memory the process ever had (VmHWM).</summary>
    public double PeakRssMiB() => Status("VmHWM:");

    double Status(string key)
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
            if (line.StartsWith(key))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    public async Task StopAsync()
    {
        if (!Process.HasExited) using (var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        try { await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { Process.Kill(entireProcessTree: true); }
    }
}

/// <summary>One client: send a text message, read one whole text message.</summary>
sealed class Ws : IAsyncDisposable
{
    readonly ClientWebSocket ws = new();
    readonly byte[] buffer = new byte[256 * 1024];

    public static async Task<Ws> ConnectAsync(int port, bool welcome)
    {
        var c = new Ws();
        c.ws.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await c.ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), cts.Token);
            if (welcome) await c.ReceiveAsync(cts.Token);
        }
        catch { c.ws.Dispose(); throw; }
        return c;
    }

    public async Task<string> RoundTripAsync(string text)
    {
        await SendAsync(text);
        return await ReceiveAsync(default);
    }

    public Task SendAsync(string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, default);

    public async Task<string> ReceiveAsync(CancellationToken token)
    {
        int n = 0;
        ValueWebSocketReceiveResult r;
        do
        {
            r = await ws.ReceiveAsync(buffer.AsMemory(n), token);
            n += r.Count;
            if (r.MessageType == WebSocketMessageType.Close) throw new WebSocketException("closed by the server");
        } while (!r.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (ws.State == WebSocketState.Open) await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        ws.Dispose();
    }
}

/// <summary>
/// Does one busy command stall everyone? 63 clients each keep <see cref="InFlight"/> `server entries` in flight
/// (send, and send the next as each reply arrives) on the 64-car folder, while one client sends `server status`
/// every 20 ms and times each reply. Bounded by count: <see cref="Polls"/> polls.
/// </summary>
static class Stall
{
    const int Busy = 63, InFlight = 8, Polls = 300;

    public static async Task<string> RunAsync(string command, string fifo)
    {
        var server = (await Server.StartAsync(command, fifo)).Server;
        try
        {
            var poller = await Ws.ConnectAsync(server.Port, welcome: true);
            var busy = await Task.WhenAll(Enumerable.Range(0, Busy).Select(_ => Ws.ConnectAsync(server.Port, welcome: true)));
            using var stop = new CancellationTokenSource();
            long entries = 0;
            var load = busy.Select(c => Task.Run(async () =>
            {
                try
                {
                    for (int i = 0; i < InFlight; i++) await c.SendAsync("server entries");
                    while (!stop.IsCancellationRequested)
                    {
                        await c.ReceiveAsync(stop.Token);
                        Interlocked.Increment(ref entries);
                        await c.SendAsync("server entries");
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
            })).ToList();

            var ms = new double[Polls];
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < Polls; i++)
            {
                await Task.Delay(20);
                long t0 = Stopwatch.GetTimestamp();
                string reply = await poller.RoundTripAsync("server status");
                ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (!reply.StartsWith("{\"data\"")) throw new Exception($"server status: {reply}");
            }
            double seconds = sw.Elapsed.TotalSeconds;
            long done = Interlocked.Read(ref entries);
            double peak = server.PeakRssMiB();
            stop.Cancel();
            await Task.WhenAll(load);
            return $"`server status` p50 / p99 / max: {Stats.Percentile(ms, 50):0.0} / {Stats.Percentile(ms, 99):0.0} / {ms.Max():0.0} ms " +
                   $"({Polls} polls) while {Busy} clients pipelined `server entries` ({InFlight} in flight each): " +
                   $"{done / seconds:0} replies/s; acws peak RSS {peak:0} MiB";
        }
        finally { await server.StopAsync(); }
    }
}

static class Stats
{
    public static double Percentile(double[] values, double p)
    {
        if (values.Length == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        int i = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(i, 0, sorted.Length - 1)];
    }
}

static class Report
{
    static string F(double v, string fmt = "0.0") => double.IsNaN(v) ? "—" : v.ToString(fmt, CultureInfo.InvariantCulture);
    static string Us(double[] a) => $"{F(Stats.Percentile(a, 50), "0")} / {F(Stats.Percentile(a, 99), "0")} µs";
    static string Ms(double[] a) => $"{F(Stats.Percentile(a, 50), "0.00")} / {F(Stats.Percentile(a, 99), "0.00")} ms";
    static string Ratio(double a, double b) => double.IsNaN(a) || double.IsNaN(b) || b == 0 ? "—" : F(a / b, "0.00") + "×";

    public static string Table(List<Results> rs)
    {
        var (a, e, p) = (rs[0], rs[1], rs[2]);
        var sb = new StringBuilder();
        void Row(params string[] cells) => sb.AppendLine("| " + string.Join(" | ", cells) + " |");
        Row("measure", a.Target.Name, e.Target.Name, p.Target.Name, "acws ÷ echo", "acws ÷ Python");
        Row("---", "---:", "---:", "---:", "---:", "---:");
        string Size(Results r) => r.BinaryBytes is { } b ? $"{F(b / 1048576.0, "0.00")} MiB" : "— (interpreter)";
        Row("binary size", Size(a), Size(e), Size(p), Ratio(a.BinaryBytes ?? double.NaN, e.BinaryBytes ?? double.NaN), "—");
        Row("start → first connection accepted (median of 5)", $"{F(a.StartMs)} ms", $"{F(e.StartMs)} ms", $"{F(p.StartMs)} ms", Ratio(a.StartMs, e.StartMs), Ratio(a.StartMs, p.StartMs));
        Row("idle RSS", $"{F(a.IdleRssMiB)} MiB", $"{F(e.IdleRssMiB)} MiB", $"{F(p.IdleRssMiB)} MiB", Ratio(a.IdleRssMiB, e.IdleRssMiB), Ratio(a.IdleRssMiB, p.IdleRssMiB));
        Row($"RSS with {Bench.FanClients} clients connected", $"{F(a.Rss500MiB)} MiB", $"{F(e.Rss500MiB)} MiB", $"{F(p.Rss500MiB)} MiB", Ratio(a.Rss500MiB, e.Rss500MiB), Ratio(a.Rss500MiB, p.Rss500MiB));
        double aInfo = Stats.Percentile(a.LatencyUs["server info"], 50), eInfo = Stats.Percentile(e.LatencyUs["server info"], 50), pInfo = Stats.Percentile(p.LatencyUs["server info"], 50);
        Row($"`server info` round trip p50 / p99, one connection, {Bench.Requests} requests (echo: the same text echoed)",
            Us(a.LatencyUs["server info"]), Us(e.LatencyUs["server info"]), Us(p.LatencyUs["server info"]), Ratio(aInfo, eInfo) + " (p50)", Ratio(aInfo, pInfo) + " (p50)");
        foreach (var cmd in new[] { "server entries", "grid order" })
        {
            double x = Stats.Percentile(a.LatencyUs[cmd], 50);
            Row($"`{cmd}` round trip p50 / p99" + (cmd == "grid order" ? " (after `grid finish`)" : " (64 cars)"), Us(a.LatencyUs[cmd]), "", "", Ratio(x, eInfo) + " (p50)", Ratio(x, pInfo) + " (p50)");
        }
        foreach (int n in Bench.Concurrency)
            Row($"throughput, {n} concurrent client{(n == 1 ? "" : "s")} (`server info`, req/s)",
                F(a.Throughput[n], "0"), F(e.Throughput[n], "0"), F(p.Throughput[n], "0"), Ratio(a.Throughput[n], e.Throughput[n]), Ratio(a.Throughput[n], p.Throughput[n]));
        if (a.FanoutMs is { } fan)
            Row($"event fan-out, acServer line → event at each of {Bench.FanClients} clients, p50 / p99 ({Bench.FanEvents} events{(a.FanoutMissing > 0 ? $", {a.FanoutMissing} deliveries missing" : "")})", Ms(fan), "", "", "", "");
        Row($"`grid reverse` + `grid save`, 64 cars / 64 drivers, p50 / p99 ({Bench.GridRuns} runs)", a.GridMs is { } g ? Ms(g) : $"failed: {a.GridError}", "", "", "", "");
        if (a.GridReverseMs is { } gr && a.GridSaveMs is { } gs)
        {
            Row("… of which `grid reverse` (read results + entry list, compute), p50 / p99", Ms(gr), "", "", "", "");
            Row("… of which `grid save` (write temp + fsync, 2 backup copies, rename), p50 / p99", Ms(gs), "", "", "", "");
        }

        sb.AppendLine();
        sb.AppendLine("Targets:");
        void Target(string what, bool met, string value) => sb.AppendLine($"- {(met ? "met" : "MISSED")}: {what} ({value})");
        Target("`server info` p50 ≤ 0.5× the Python peer's echo", aInfo <= 0.5 * pInfo, Ratio(aInfo, pInfo));
        Target("binary ≤ 8 MB", a.BinaryBytes <= 8_000_000, $"{a.BinaryBytes} bytes");
        Target("start to listening ≤ 50 ms", a.StartMs <= 50, $"{F(a.StartMs)} ms");
        Target("idle RSS ≤ 25 MB", a.IdleRssMiB * 1048576 <= 25_000_000, $"{F(a.IdleRssMiB * 1.048576)} MB");
        Target("`server info` p50 ≤ 1.5× the echo floor", aInfo <= 1.5 * eInfo, Ratio(aInfo, eInfo));
        double fanP99 = a.FanoutMs is { } f2 ? Stats.Percentile(f2, 99) : double.NaN;
        Target($"{Bench.FanClients} clients held with fan-out p99 ≤ 50 ms", a.FanoutMissing == 0 && fanP99 <= 50, $"p99 {F(fanP99, "0.00")} ms, {a.FanoutMissing} missing");
        double gridP50 = a.GridMs is { } g2 ? Stats.Percentile(g2, 50) : double.NaN;
        Target("`grid reverse` + `grid save` ≤ 5 ms", gridP50 <= 5, $"p50 {F(gridP50, "0.00")} ms");
        return sb.ToString();
    }
}
