using System.Diagnostics;
using System.Globalization;
using System.Text;

/// <summary>
/// CPU time per command (bench/cpu.sh): the server's own CPU time, summed over its threads' schedstat (ns), read
/// before and after each phase, divided by the messages it handled. Every target runs the same phases; the echo floor and the
/// Python peer echo the text of `server info` where acws answers it.
/// </summary>
static class Cpu
{
    public const int Sequential = 3000, Warmup = 500, Concurrent = 16, PerClient = 500, Many = 500, Events = 40;

    /// <summary>
    /// Round trips before the sequential loop the targets compare is timed, all targets alike. A fresh acws's first
    /// few thousand commands cost it more: the same loop after 500 round trips took 52–60 µs a command, after 10,000
    /// 43–51 µs (interleaved, one binary), where the floor's did not move; and it grows its GC heap by about 12 MiB over
    /// its first ~10,500 `server info` until its first collection. The targets are about a server that has been up
    /// a while; the fresh-process figures stay in the first table (500).
    /// </summary>
    public const int SteadyWarmup = 12_000;
    const int IdleSeconds = 60;
    public static readonly double MicrosPerTick = 1e6 / ClockTicksPerSecond();

    /// <summary>One server to measure; <paramref name="Inline"/> is its socket setting, to match acws with the floor run the same way.</summary>
    public sealed record Target(string Name, string Kind, string Inline, string Command)
    {
        public bool IsAcws => Kind == "acws";
    }

    /// <summary>The targets file: one target a line, NAME, KIND (acws, echo or python), INLINE (0 or 1) and COMMAND, tab-separated.</summary>
    public static List<Target> ReadTargets(string path) =>
        [.. File.ReadLines(path).Where(l => l.Trim().Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t')).Select(f => new Target(f[0], f[1], f[2], f[3]))];

    public sealed class Row
    {
        public required Target Target;
        public double StartMs, IdleCpuMs, SequentialUs, ConcurrentUs, PerEventUs, Rss500MiB, FanoutP50Ms, FanoutP99Ms;
        /// <summary>The same fan-out timed by <see cref="LeanReceivers"/>, and their own CPU per frame.</summary>
        public double LeanP50Ms, LeanP99Ms, LeanStampedP50Ms, LeanStampedP99Ms, LeanReaderUs;
        public int FanoutMissing, LeanMissing;
        /// <summary>CPU µs per sequential `server info` in further fresh processes, measured in turn with the others compared.</summary>
        public List<double> Rounds = [];
        public double RoundsMedian => Rounds.Count == 0 ? double.NaN : Stats.Percentile([.. Rounds], 50);
        /// <summary>
        /// Fan-out delays (ms) at lean receivers in further fresh processes, pooled: held (the kernel's receive
        /// timestamps, nobody reading during the fan-out) and reading as frames come (when read, and the timestamps).
        /// </summary>
        public List<double> HeldStampedMs = [], ReadingReadMs = [], ReadingStampedMs = [];
        public int HeldMissing, ReadingMissing;
    }

    public static async Task<string> RunAsync(IReadOnlyList<Target> targets, string fifo)
    {
        var rows = targets.Select(t => new Row { Target = t }).ToList();

        // Idle: every target started at once and left alone (no client) for the same minute.
        Console.Error.WriteLine($"cpu: idle, {IdleSeconds} s …");
        var idle = await Task.WhenAll(targets.Select(t => Server.StartAsync(t.Command, fifo)));
        await Task.Delay(1000);
        var before = idle.Select(s => RunNs(s.Server)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(IdleSeconds));
        for (int i = 0; i < rows.Count; i++) rows[i].IdleCpuMs = SpentNs(before[i], RunNs(idle[i].Server)) / 1e6;
        await Task.WhenAll(idle.Select(s => s.Server.StopAsync()));

        foreach (var row in rows)
        {
            Console.Error.WriteLine($"cpu: {row.Target.Name} …");
            await MeasureAsync(row, fifo);
        }

        // One fresh process's sequential figure moves ±15 µs on a shared machine: the three the targets compare
        // are measured again in fresh processes, in turn, and their medians compared.
        var (acws, floor, python) = Compared(rows);
        Console.Error.WriteLine($"cpu: sequential `server info`, {Rounds} rounds of {acws.Target.Name}, {floor.Target.Name}, {python.Target.Name} …");
        for (int round = 0; round < Rounds; round++)
            foreach (var row in new[] { acws, floor, python })
                row.Rounds.Add(await SequentialInFreshAsync(row.Target, fifo));

        // Likewise the fan-out: its p99 in one process moves by several ms, so it is pooled over fresh ones.
        Console.Error.WriteLine($"cpu: fan-out to {Many} lean receivers, {FanoutRounds} fresh {acws.Target.Name} …");
        for (int round = 0; round < FanoutRounds; round++)
        {
            var server = (await Server.StartAsync(acws.Target.Command, fifo)).Server;
            try
            {
                var held = await LeanReceivers.TimeFanoutAsync(server, Many, fifo, Events, null, held: true);
                acws.HeldStampedMs.AddRange(held.StampedMs);
                acws.HeldMissing += held.Missing;
                var reading = await LeanReceivers.TimeFanoutAsync(server, Many, fifo, Events, null, held: false);
                acws.ReadingReadMs.AddRange(reading.ReadMs);
                acws.ReadingStampedMs.AddRange(reading.StampedMs);
                acws.ReadingMissing += reading.Missing;
            }
            finally { await server.StopAsync(); }
        }
        return Table(rows);
    }

    const int FanoutRounds = 3;

    const int Rounds = 5;

    /// <summary>The rows the issue's targets compare: the first acws, the echo floor run the same way, and Python.</summary>
    static (Row Acws, Row Floor, Row Python) Compared(List<Row> rows)
    {
        var acws = rows[0];
        return (acws, rows.First(r => r.Target.Kind == "echo" && r.Target.Inline == acws.Target.Inline), rows.First(r => r.Target.Kind == "python"));
    }

    static async Task<double> SequentialInFreshAsync(Target t, string fifo)
    {
        var server = (await Server.StartAsync(t.Command, fifo)).Server;
        try
        {
            await using var one = await Ws.ConnectAsync(server.Port, t.IsAcws);
            for (int i = 0; i < SteadyWarmup; i++) await one.RoundTripAsync("server info");
            return await PerMessageAsync(server, Sequential, async () =>
            {
                for (int i = 0; i < Sequential; i++) await one.RoundTripAsync("server info");
            });
        }
        finally { await server.StopAsync(); }
    }

    static async Task MeasureAsync(Row row, string fifo)
    {
        var t = row.Target;
        var starts = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var (s, ms) = await Server.StartAsync(t.Command, fifo);
            starts.Add(ms);
            await s.StopAsync();
        }
        row.StartMs = Stats.Percentile([.. starts], 50);

        var server = (await Server.StartAsync(t.Command, fifo)).Server;
        try
        {
            await using (var one = await Ws.ConnectAsync(server.Port, t.IsAcws))
            {
                for (int i = 0; i < Warmup; i++) await one.RoundTripAsync("server info");
                row.SequentialUs = await PerMessageAsync(server, Sequential, async () =>
                {
                    for (int i = 0; i < Sequential; i++) await one.RoundTripAsync("server info");
                });
            }

            var sixteen = await Bench.ConnectManyAsync(server.Port, t.IsAcws, Concurrent);
            await Task.WhenAll(sixteen.Select(c => c.RoundTripAsync("server info")));
            row.ConcurrentUs = await PerMessageAsync(server, Concurrent * PerClient, () => Task.WhenAll(sixteen.Select(async c =>
            {
                for (int i = 0; i < PerClient; i++) await c.RoundTripAsync("server info");
            })));
            await Task.WhenAll(sixteen.Select(c => c.DisposeAsync().AsTask()));

            var many = await Bench.ConnectManyAsync(server.Port, t.IsAcws, Many);
            await Task.Delay(2000);
            row.Rss500MiB = server.RssMiB();
            if (t.IsAcws)
            {
                var (ms, missing, cpuUs) = await Bench.FanoutAsync(server.Port, many, fifo, Events, ServerUs(server));
                (row.FanoutP50Ms, row.FanoutP99Ms, row.FanoutMissing) = (Stats.Percentile(ms, 50), Stats.Percentile(ms, 99), missing);
                row.PerEventUs = cpuUs / (Events * Many);
                await Task.WhenAll(many.Select(m => m.DisposeAsync().AsTask()));
                many.Clear();
                var lean = await LeanReceivers.TimeFanoutAsync(server, Many, fifo, Events, null, held: false);
                (row.LeanP50Ms, row.LeanP99Ms, row.LeanStampedP50Ms, row.LeanStampedP99Ms, row.LeanMissing, row.LeanReaderUs) =
                    (Stats.Percentile(lean.ReadMs, 50), Stats.Percentile(lean.ReadMs, 99), Stats.Percentile(lean.StampedMs, 50),
                     Stats.Percentile(lean.StampedMs, 99), lean.Missing, lean.ReaderCpuUsPerFrame);
            }
            else
            {
                // The echo servers push nothing: the same number of frames out, each the echo of one client's message.
                row.PerEventUs = await PerMessageAsync(server, Events * Many, async () =>
                {
                    for (int k = 0; k < Events; k++) await Task.WhenAll(many.Select(c => c.RoundTripAsync("server info")));
                });
            }
            await Task.WhenAll(many.Select(m => m.DisposeAsync().AsTask()));
        }
        finally { await server.StopAsync(); }
    }

    /// <summary>
    /// Waits (up to 10 s) until the server spends under 1 ms of CPU in 200 ms: a phase then does not pay for the
    /// one before (500 clients closing, say).
    /// </summary>
    public static async Task SettleAsync(Server server)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var before = RunNs(server);
            await Task.Delay(200);
            if (SpentNs(before, RunNs(server)) < 1_000_000) return;
        }
    }

    /// <summary>A reading of <paramref name="server"/>'s CPU µs so far, summed over its live threads (schedstat), for the fan-out timers.</summary>
    public static Func<double> ServerUs(Server server) => () => RunNs(server).Values.Sum() / 1000.0;

    /// <summary>CPU µs per message of <paramref name="work"/>, from schedstat (exact; utime+stime count 10 ms ticks).</summary>
    public static async Task<double> PerMessageAsync(Server server, int messages, Func<Task> work)
    {
        var before = RunNs(server);
        await work();
        return SpentNs(before, RunNs(server)) / 1000.0 / messages;
    }

    /// <summary>utime + stime of the process (not its children), in clock ticks: fields 14 and 15 of /proc/PID/stat.</summary>
    public static long Ticks(Server server)
    {
        string stat = File.ReadAllText($"/proc/{server.Process.Id}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// CPU time in ns of each thread of the process (the first field of /proc/PID/task/TID/schedstat): exact, where
    /// utime+stime count whole clock ticks (10 ms). <see cref="SpentNs"/> takes the difference thread by thread.
    /// </summary>
    public static Dictionary<string, long> RunNs(Server server)
    {
        var found = new Dictionary<string, long>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{server.Process.Id}/task"))
        {
            try { found[Path.GetFileName(task)] = long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture); }
            catch (IOException) { /* the thread ended */ }
        }
        return found;
    }

    /// <summary>
    /// CPU time in ns of the whole process, threads that have ended included (the kernel's per-process CPU clock,
    /// as <c>clock_getcpuclockid</c> + <c>clock_gettime</c> give it): what <see cref="RunNs"/> misses when a
    /// thread-pool thread retires in between.
    /// </summary>
    public static long ProcessNs(Server server)
    {
        if (clock_getcpuclockid(server.Process.Id, out int clock) != 0 || clock_gettime(clock, out var t) != 0)
            throw new IOException($"cannot read the CPU clock of process {server.Process.Id}");
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    /// <summary>CPU time in ns of the calling thread (CLOCK_THREAD_CPUTIME_ID).</summary>
    public static long ThisThreadNs() => ClockNs(3);

    /// <summary>Wall-clock time in ns since 1970 (CLOCK_REALTIME): the clock of the kernel's receive timestamps.</summary>
    public static long RealTimeNs() => ClockNs(0);

    static long ClockNs(int clock)
    {
        if (clock_gettime(clock, out var t) != 0) throw new IOException($"cannot read clock {clock}");
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    struct Timespec { public long Seconds, Nanoseconds; }
    [System.Runtime.InteropServices.DllImport("libc")] static extern int clock_getcpuclockid(int pid, out int clock);
    [System.Runtime.InteropServices.DllImport("libc")] static extern int clock_gettime(int clock, out Timespec time);

    /// <summary>CPU ns spent between two <see cref="RunNs"/> readings by the threads alive at the second (a thread that ended in between is missed).</summary>
    public static long SpentNs(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Sum(t => t.Value - before.GetValueOrDefault(t.Key));

    static long ClockTicksPerSecond()
    {
        using var p = Process.Start(new ProcessStartInfo("getconf", ["CLK_TCK"]) { RedirectStandardOutput = true })!;
        string text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return long.TryParse(text, out long hz) && hz > 0 ? hz : 100;
    }

    static string F(double v, string fmt) => double.IsNaN(v) || v == 0 ? "—" : v.ToString(fmt, CultureInfo.InvariantCulture);

    static string Table(List<Row> rows)
    {
        var sb = new StringBuilder();
        void Line(params string[] cells) => sb.AppendLine("| " + string.Join(" | ", cells) + " |");
        Line("target", $"CPU µs / `server info`, 1 client × {Sequential} (after {Warmup} to warm up)", $"CPU µs / `server info`, {Concurrent} clients × {PerClient}",
            $"CPU µs / frame out at {Many} clients ({Events} pushed events; echo: one echo each)",
            $"fan-out to {Many} p50 / p99, timed by lean receivers reading as frames come", $"… timed by {Many} ClientWebSocket readers",
            $"RSS, {Many} idle clients", $"idle CPU over {IdleSeconds} s", "start → listening (median of 5)");
        Line("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
        foreach (var r in rows)
            Line(r.Target.Name, F(r.SequentialUs, "0"), F(r.ConcurrentUs, "0"), F(r.PerEventUs, "0.0"),
                r.Target.IsAcws ? $"{F(r.LeanP50Ms, "0.00")} / {F(r.LeanP99Ms, "0.00")} ms{(r.LeanMissing > 0 ? $" ({r.LeanMissing} missing)" : "")}" +
                                  $" (in the socket {F(r.LeanStampedP50Ms, "0.00")} / {F(r.LeanStampedP99Ms, "0.00")} ms)" +
                                  $" (receiver {F(r.LeanReaderUs, "0.0")} µs / frame)" : "—",
                r.Target.IsAcws ? $"{F(r.FanoutP50Ms, "0.00")} / {F(r.FanoutP99Ms, "0.00")} ms{(r.FanoutMissing > 0 ? $" ({r.FanoutMissing} missing)" : "")}" : "—",
                $"{F(r.Rss500MiB, "0.0")} MiB", $"{r.IdleCpuMs.ToString("0.0", CultureInfo.InvariantCulture)} ms", $"{F(r.StartMs, "0.0")} ms");

        // The issue's targets, against the first acws row, the echo floor run with the same socket setting, and Python.
        var (acws, floor, python) = Compared(rows);
        sb.AppendLine();
        sb.AppendLine($"CPU µs per sequential `server info` (1 client × {Sequential}, after {SteadyWarmup:N0} to warm up), {Rounds} more fresh processes each, in turn:");
        sb.AppendLine();
        Line("target", "rounds", "median");
        Line("---", "---", "---:");
        foreach (var r in new[] { acws, floor, python })
            Line(r.Target.Name, string.Join(", ", r.Rounds.Select(v => F(v, "0"))), F(r.RoundsMedian, "0"));
        sb.AppendLine();
        sb.AppendLine($"Targets ({acws.Target.Name}; floor: {floor.Target.Name}; the two CPU ratios from the medians of the rounds):");
        void Target(string what, bool met, string value) => sb.AppendLine($"- {(met ? "met" : "MISSED")}: {what} ({value})");
        Target("CPU per sequential `server info` ≤ 0.25× the Python peer's", acws.RoundsMedian <= 0.25 * python.RoundsMedian, $"{acws.RoundsMedian / python.RoundsMedian:0.00}×");
        Target("… and ≤ 1.5× the echo floor's with the same settings", acws.RoundsMedian <= 1.5 * floor.RoundsMedian, $"{acws.RoundsMedian / floor.RoundsMedian:0.00}×");
        Target($"RSS with {Many} idle clients ≤ 35 MB", acws.Rss500MiB * 1.048576 <= 35, $"{acws.Rss500MiB * 1.048576:0.0} MB");
        double heldP99 = Stats.Percentile([.. acws.HeldStampedMs], 99);
        Target($"fan-out to {Many} clients p99 ≤ 10 ms (in each client's socket, by the kernel's receive timestamp; the receivers held " +
               $"{LeanReceivers.HoldMs} ms, so no client shares the cores while acws sends; {FanoutRounds} fresh processes pooled)",
            acws.HeldMissing == 0 && heldP99 <= 10,
            $"p50 {Stats.Percentile([.. acws.HeldStampedMs], 50):0.00} ms, p99 {heldP99:0.00} ms, {acws.HeldMissing} missing");
        sb.AppendLine($"- the same {FanoutRounds} processes with the 500 receivers reading as frames come, on the same 2 cores: read p50 / p99 " +
                      $"{Stats.Percentile([.. acws.ReadingReadMs], 50):0.00} / {Stats.Percentile([.. acws.ReadingReadMs], 99):0.00} ms, in the socket " +
                      $"{Stats.Percentile([.. acws.ReadingStampedMs], 50):0.00} / {Stats.Percentile([.. acws.ReadingStampedMs], 99):0.00} ms, {acws.ReadingMissing} missing");
        Target($"idle CPU over {IdleSeconds} s ≤ 5 ms", acws.IdleCpuMs <= 5, $"{acws.IdleCpuMs:0} ms");
        Target("start → listening ≤ 20 ms", acws.StartMs <= 20, $"{acws.StartMs:0.0} ms");
        return sb.ToString();
    }
}
