using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// Process and listener lifetimes: children die with acws (also a wrapper script without exec and its
/// background job, also when acws is killed with SIGKILL), a user's stop beats a crash restart, and the
/// listener lets its port go for good.
/// </summary>
public class LifetimeTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(20);

    static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
    }

    /// <summary>The cue file of the one stand-in running in <paramref name="dir"/>, once it runs (a loaded machine may take a while).</summary>
    static async Task<string> RunningControlFile(string dir)
    {
        var until = DateTime.UtcNow + Slow;
        while (true)
        {
            var command = StandInFolder.ProcessesIn(dir).Select(CommandLine).FirstOrDefault(c => c.Contains("--control control-"));
            if (command is not null) return command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last();
            if (DateTime.UtcNow > until) throw new TimeoutException("no stand-in acServer came up");
            await Task.Delay(50);
        }
    }

    [Test]
    [Arguments("stop")]
    [Arguments("TERM")]
    [Arguments("KILL")]
    public async Task A_wrapper_script_without_exec_and_its_background_child_leave_no_process(string how)
    {
        using var folder = new StandInFolder(withExecutable: false);
        // As a Wine or `cd && ./acServer` wrapper would: no exec, and a job of its own in the background.
        folder.WriteScript("acServer", $"sleep 1000 &\ndotnet \"{AgentProcess.AgentDll}\" --stand-in-acserver \"$@\"");
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        await ws.ReceiveUntilAsync(f => Frames.IsServerEvent(f, "Assetto Corsa Dedicated Server starting"), Slow);
        var running = StandInFolder.ProcessesIn(folder.Root).Select(CommandLine).ToArray();
        await Assert.That(running.Any(c => c.StartsWith("sleep 1000"))).IsTrue();
        await Assert.That(running.Any(c => c.Contains("--stand-in-acserver"))).IsTrue();

        if (how == "stop") await Assert.That(Frames.IsMsg(await ws.AskAsync("server stop"), "Assetto Corsa server stopped")).IsTrue();
        else
        {
            using (var kill = Process.Start("kill", ["-" + how, agent.Process.Id.ToString()])) await kill.WaitForExitAsync();
            await agent.WaitForExitAsync();
        }
        await Assert.That(await StandInFolder.LeftIn(folder.Root, Slow)).IsEmpty();
        if (how == "stop")
            await Assert.That(File.ReadAllText(folder.Logs().Single())).Contains("Server shutting down (SIGTERM)");
    }

    [Test]
    public async Task The_guard_passes_the_exit_code_and_output_through_unchanged()
    {
        var (file, args) = ThisProgram.Command();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args.Concat([Guard.Flag, "--", "/bin/sh", "-c", "printf 'out\\n\\n  x\\r\\n'; echo err >&2; exit 7"])) psi.ArgumentList.Add(a);
        using var guard = Process.Start(psi)!;
        var stdout = guard.StandardOutput.ReadToEndAsync();
        var stderr = guard.StandardError.ReadToEndAsync();
        await guard.WaitForExitAsync().WaitAsync(Slow);
        await Assert.That(guard.ExitCode).IsEqualTo(7);
        await Assert.That(await stdout).IsEqualTo("out\n\n  x\r\n");
        await Assert.That(await stderr).IsEqualTo("err\n");
    }

    [Test]
    public async Task A_stop_sent_on_hearing_of_a_crash_always_beats_the_restart()
    {
        using var folder = new StandInFolder(withExecutable: false);
        // Each run reads its own cue file (control-0, control-1, …), so a restarted run does not replay the crash.
        folder.WriteScript("acServer",
            $"n=$(cat runs 2>/dev/null || echo 0); echo $((n + 1)) > runs\nexec dotnet \"{AgentProcess.AgentDll}\" --stand-in-acserver --control control-$n");
        // No back-off: the restart starts at once, so the stop lands in every phase of it over the rounds.
        var timings = new Timings { CrashBackoff = TimeSpan.Zero, CrashBackoffMax = TimeSpan.Zero };
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, RestartOnCrash = true, Timings = timings });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        static int Outcomes(string log) =>
            log.Split('\n').Count(l => l.EndsWith("restart after the crash cancelled") || l.EndsWith("acServer restarted after a crash"));
        for (int round = 1; round <= 4; round++)
        {
            await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
            File.AppendAllText(folder.PathOf($"{await RunningControlFile(folder.Root)}"), "exit 4\n");
            await ws.ReceiveUntilAsync(f => Frames.IsError(f, "exit code 4"), Slow);
            var stop = await ws.AskAsync("server stop");
            await Assert.That(stop.ErrorOrNull()).IsNull();
            // Whichever came first, once the restart has settled the user's stop holds.
            await host.LogWhenAsync(log => Outcomes(log) >= round);
            await Assert.That(Outcomes(host.OutText)).IsEqualTo(round);
            await Assert.That((await ws.AskAsync("server status")).Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
        }
    }

    [Test]
    public async Task Disposing_the_listener_lets_its_port_go_without_binding_it_again()
    {
        using var folder = new TempServerFolder();
        var log = new StringWriter();
        var agent = new Agent(new Options { Dir = folder.Root, Port = 0 }, new ServerFolder(folder.Root), TextWriter.Synchronized(log));
        for (int i = 0; i < 30; i++)
        {
            var listener = new Listener(agent);
            listener.Start();
            int port = listener.Port;
            using var done = new CancellationTokenSource();
            // Another program takes the port the moment it is free, as parallel tests and busy hosts do.
            var taker = Task.Run(() =>
            {
                while (!done.IsCancellationRequested)
                {
                    var l = new TcpListener(IPAddress.Loopback, port);
                    try { l.Start(); return l; } catch (SocketException) { }
                }
                return null;
            });
            await listener.DisposeAsync();
            done.Cancel();
            (await taker)?.Stop();
        }
        await agent.Log.CloseAsync(TimeSpan.FromSeconds(2));
        await Assert.That(log.ToString()).DoesNotContain("closing the listener");
    }

    /// <summary>
    /// .NET's managed HttpListener throws from Start when a client connects at that very moment (an accept that
    /// completes inside its endpoint's constructor, before its fields are set): a browser or script reconnecting to
    /// an acws that is restarting must not crash it. Clients hammer the port while a listener starts, many times.
    /// </summary>
    [Test]
    public async Task A_listener_starts_while_clients_hammer_its_port()
    {
        using var folder = new TempServerFolder();
        for (int round = 0; round < 40; round++)
        {
            int port = StandInFolder.FreePort();
            var agent = new Agent(new Options { Dir = folder.Root, Port = port }, new ServerFolder(folder.Root), TextWriter.Null);
            using var done = new CancellationTokenSource();
            var hammers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                while (!done.IsCancellationRequested)
                {
                    using var client = new TcpClient();
                    try { await client.ConnectAsync(IPAddress.Loopback, port); } catch (SocketException) { }
                }
            })).ToArray();
            await Task.Delay(1); // the hammers are running
            await using (var listener = new Listener(agent))
            {
                listener.Start();
                await Assert.That(listener.Port).IsEqualTo(port);
            }
            done.Cancel();
            await Task.WhenAll(hammers);
        }
    }
}
