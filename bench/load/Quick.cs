using System.Globalization;

/// <summary>
/// One measure of bench/cpu.sh against one acws, repeated (bench/quick.sh): for trying a change on a busy machine
/// without the six-target run. Each repetition starts a fresh server (start: the time that start took, as
/// bench/cpu.sh's "start → listening"). Prints one line per repetition, then the median.
/// </summary>
static class Quick
{
    public static async Task<string> RunAsync(string phase, string command, string fifo, int repeat, int seconds)
    {
        var values = new List<double>();
        var lines = new List<string>();
        // The load generator's own first connection runs its client code cold: one start not counted.
        if (phase == "start") await (await Server.StartAsync(command, fifo)).Server.StopAsync();
        for (int r = 0; r < repeat; r++)
        {
            var (server, startMs) = await Server.StartAsync(command, fifo);
            try
            {
                string line;
                if (phase == "start")
                {
                    values.Add(startMs);
                    line = $"{startMs:0.0} ms from start to a WebSocket accepted";
                }
                else line = await MeasureAsync(phase, server, fifo, seconds, values);
                lines.Add($"{phase} #{r + 1}: {line} (load {Load()})");
                Console.Error.WriteLine(lines[^1]);
            }
            finally { await server.StopAsync(); }
        }
        lines.Add($"{phase}: median {Stats.Percentile([.. values], 50).ToString("0.0", CultureInfo.InvariantCulture)} of {repeat}, " +
                  $"min {values.Min().ToString("0.0", CultureInfo.InvariantCulture)}, max {values.Max().ToString("0.0", CultureInfo.InvariantCulture)}");
        return string.Join('\n', lines);
    }

    static async Task<string> MeasureAsync(string phase, Server server, string fifo, int seconds, List<double> values)
    {
        switch (phase)
        {
            case "idle":
                await Task.Delay(1000);
                long t0 = Cpu.Ticks(server), all0 = Cpu.ProcessNs(server);
                var ns0 = Cpu.RunNs(server);
                await Task.Delay(TimeSpan.FromSeconds(seconds));
                double all = (Cpu.ProcessNs(server) - all0) / 1e6, threads = Cpu.SpentNs(ns0, Cpu.RunNs(server)) / 1e6;
                double ms = (Cpu.Ticks(server) - t0) * Cpu.MicrosPerTick / 1000;
                values.Add(all);
                return $"{all:0.0} ms CPU over {seconds} s idle (the process's CPU clock, threads that ended included; " +
                       $"{threads:0.0} ms summed over the threads alive at both ends from schedstat; {ms:0} ms in /proc/PID/stat's 10 ms ticks)";
            case "info":
            case "status": // a reply of 82 bytes instead of server info's 13.6 KB
            case "floor": // the echo floor: the same loop against bench/echo, which sends no welcome frame
            {
                string command = phase == "status" ? "server status" : "server info";
                await using var one = await Ws.ConnectAsync(server.Port, welcome: phase != "floor");
                for (int i = 0; i < Cpu.SteadyWarmup; i++) await one.RoundTripAsync(command);
                double us = await Cpu.PerMessageAsync(server, Cpu.Sequential, async () =>
                {
                    for (int i = 0; i < Cpu.Sequential; i++) await one.RoundTripAsync(command);
                });
                values.Add(us);
                return $"{us:0} µs CPU per `{command}` (1 client × {Cpu.Sequential})";
            }
            case "rss":
            case "fanout":
            {
                var many = await Bench.ConnectManyAsync(server.Port, true, Cpu.Many);
                await Task.Delay(2000);
                double rss = server.RssMiB();
                string text = $"RSS {rss:0.0} MiB with {Cpu.Many} idle clients ({Kinds(server)})";
                if (phase == "rss") values.Add(rss);
                else
                {
                    var (fan, missing, cpuUs) = await Bench.FanoutAsync(server.Port, many, fifo, Cpu.Events, Cpu.ServerUs(server));
                    text += $"; fan-out p50 / p99 {Stats.Percentile(fan, 50):0.00} / {Stats.Percentile(fan, 99):0.00} ms timed by ClientWebSocket readers, " +
                            $"{missing} missing, {cpuUs / (Cpu.Events * Cpu.Many):0.0} µs CPU per frame";
                }
                await Task.WhenAll(many.Select(m => m.DisposeAsync().AsTask()));
                if (phase == "fanout")
                {
                    var lean = await LeanReceivers.TimeFanoutAsync(server, Cpu.Many, fifo, Cpu.Events, Cpu.ServerUs(server), held: false);
                    var held = await LeanReceivers.TimeFanoutAsync(server, Cpu.Many, fifo, Cpu.Events, Cpu.ServerUs(server), held: true);
                    double p99 = Stats.Percentile(held.StampedMs, 99);
                    values.Add(p99);
                    text += $"; lean receivers reading as frames come: read {Fan(lean.ReadMs)}, in the socket {Fan(lean.StampedMs)}, {lean.Missing} missing, " +
                            $"{lean.ServerCpuUs / (Cpu.Events * Cpu.Many):0.0} µs CPU per frame (receiver: {lean.ReaderCpuUsPerFrame:0.0} µs per frame)" +
                            $"; held {LeanReceivers.HoldMs} ms: in the socket {Fan(held.StampedMs)}, {held.Missing} missing, " +
                            $"{held.ServerCpuUs / (Cpu.Events * Cpu.Many):0.0} µs CPU per frame";
                }
                return text;
            }
            default: throw new ArgumentException($"unknown phase '{phase}': idle, info, status, floor, rss, fanout or start");
        }
    }

    static string Fan(double[] ms) => ms.Length == 0 ? "—" : $"{Stats.Percentile(ms, 50):0.00} / {Stats.Percentile(ms, 99):0.00} ms";

    /// <summary>What the resident memory is: anonymous (heaps, stacks) and file-backed (the binary's pages).</summary>
    static string Kinds(Server server) => string.Join(", ", File.ReadLines($"/proc/{server.Process.Id}/status")
        .Where(l => l.StartsWith("RssAnon:") || l.StartsWith("RssFile:") || l.StartsWith("Threads:"))
        .Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));

    static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
