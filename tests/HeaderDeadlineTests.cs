using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// The request-header deadline (Host/StalledConnections.cs) as a real acws keeps it: 10 s from a connection's last
/// byte, and an idle acws waking for it once per deadline rather than every quarter (see also ResourceLimitTests).
/// </summary>
public class HeaderDeadlineTests
{
    static readonly TimeSpan Deadline = AcWs.Host.Listener.RequestHeaderDeadline;

    [Test]
    public async Task An_idle_agent_sweeps_once_per_deadline_not_every_quarter()
    {
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        string sweeper = await ThreadAsync(agent.Process.Id, "header deadline");

        // When the sweep thread runs (its schedstat's count of times on a CPU goes up); a run split across more
        // than one time slice counts once.
        var runs = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        long last = TimesRun(sweeper);
        var giveUp = DateTime.UtcNow.AddSeconds(60);
        while (runs.Count < 2 && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(50);
            long now = TimesRun(sweeper);
            if (now == last) continue;
            last = now;
            if (runs.Count == 0 || clock.Elapsed - runs[^1] > TimeSpan.FromSeconds(1.5)) runs.Add(clock.Elapsed);
        }

        await Assert.That(runs.Count).IsEqualTo(2);
        // A quarter of the deadline (2.5 s) is what an idle acws slept before; allow the gap a quarter's slack.
        await Assert.That(runs[1] - runs[0]).IsGreaterThanOrEqualTo(Deadline * 0.75);
    }

    [Test]
    public async Task A_stalled_connection_is_closed_no_sooner_than_the_deadline_after_its_last_byte()
    {
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        // One connection a second for a deadline, each sending nothing or half a header: a sweep first sees them
        // at every age from 0 to the deadline, so dating one back too far would close it early.
        var connections = new List<Task<TimeSpan>>();
        for (int i = 0; i < 10; i++)
        {
            connections.Add(QuietUntilClosedAsync(agent.Port, i % 2 == 0 ? "" : $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{agent.Port}\r\n"));
            await Task.Delay(Deadline / 10);
        }
        var quiet = await Task.WhenAll(connections);

        await Assert.That(quiet.Count(q => q == TimeSpan.MaxValue)).IsEqualTo(0);
        // The kernel counts in jiffies (4 ms at 250 Hz): a little slack below the deadline.
        await Assert.That(quiet.Min()).IsGreaterThanOrEqualTo(Deadline - TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Connects, sends <paramref name="part"/>, and times until acws closes it (MaxValue: not within 60 s).</summary>
    static async Task<TimeSpan> QuietUntilClosedAsync(int port, string part)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        if (part.Length > 0) await socket.SendAsync(Encoding.ASCII.GetBytes(part));
        var quietFrom = Stopwatch.StartNew();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await socket.ReceiveAsync(new byte[1024], wait.Token); }
        catch (SocketException) { /* reset: closed as well */ }
        catch (OperationCanceledException) { return TimeSpan.MaxValue; }
        return quietFrom.Elapsed;
    }

    /// <summary>/proc/PID/task/TID of the thread named <paramref name="name"/>, once it exists.</summary>
    static async Task<string> ThreadAsync(int pid, string name)
    {
        var giveUp = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try { if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == name) return task; }
                catch (IOException) { /* the thread ended */ }
            }
            if (DateTime.UtcNow > giveUp) throw new Exception($"no thread named '{name}' in process {pid}");
            await Task.Delay(50);
        }
    }

    /// <summary>How many times the thread has been put on a CPU (the third field of its schedstat).</summary>
    static long TimesRun(string task) =>
        long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[2], CultureInfo.InvariantCulture);
}
