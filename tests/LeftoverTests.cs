using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>Nothing acws or the tests make in the temp folder outlives them, whichever way acws ends.</summary>
public class LeftoverTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    /// <summary>The folder named in "acws: demo server folder is PATH" (stderr has its own reader: wait for it).</summary>
    static async Task<string> DemoFolderOf(AgentProcess agent)
    {
        var until = DateTime.UtcNow + Slow;
        Match m;
        while (!(m = Regex.Match(agent.StdErr, @"demo server folder is (\S+)")).Success)
        {
            if (DateTime.UtcNow > until || agent.Process.HasExited && !Regex.IsMatch(agent.StdErr, "folder is")) throw new TimeoutException("no demo folder line: " + agent.StdErr);
            await Task.Delay(20);
        }
        return m.Groups[1].Value;
    }

    static async Task Signal(Process p, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, p.Id.ToString()])!;
        await kill.WaitForExitAsync();
    }

    [Test]
    [Arguments("shutdown now")]
    [Arguments("TERM")]
    [Arguments("INT")]
    public async Task The_demo_folder_is_removed_when_acws_ends(string way)
    {
        await using var agent = await AgentProcess.StartAsync(["--demo", "--port", "0"]);
        string folder = await DemoFolderOf(agent);
        await Assert.That(File.Exists(Path.Combine(folder, "cfg", "server_cfg.ini"))).IsTrue();
        await using (var ws = await WsClient.ConnectAsync(agent.Port))
        {
            // The stand-in acServer writes into the folder (its log, results) right up to the end.
            await Assert.That((await ws.AskAsync("server start", Slow)).ErrorOrNull()).IsNull();
            await ws.ReceiveUntilAsync(f => Frames.IsServerEvent(f, "Assetto Corsa Dedicated Server starting"), Slow);
            if (way == "shutdown now") await ws.AskAsync(way);
            else await Signal(agent.Process, way);
        }
        await Assert.That(await agent.WaitForExitAsync(Slow)).IsEqualTo(0);
        await Assert.That(Directory.Exists(folder)).IsFalse();
    }

    [Test]
    public async Task The_demo_folder_is_removed_when_acws_cannot_start()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        await using var agent = AgentProcess.Launch(["--demo", "--port", ((IPEndPoint)taken.LocalEndpoint).Port.ToString()]);
        await Assert.That(await agent.WaitForExitAsync(Slow)).IsEqualTo(1);
        string folder = await DemoFolderOf(agent);
        await Assert.That(agent.StdErr).Contains("cannot listen on");
        await Assert.That(Directory.Exists(folder)).IsFalse();
    }

    [Test]
    public async Task A_demo_folder_left_by_a_killed_acws_is_removed_by_the_next_demo()
    {
        // A temp folder of its own: another test's demo starting meanwhile would remove the leftover first.
        string tmp = Directory.CreateTempSubdirectory("acws-test-tmp-").FullName;
        var env = new Dictionary<string, string> { ["TMPDIR"] = tmp };
        string folder;
        await using (var killed = await AgentProcess.StartAsync(["--demo", "--port", "0"], env))
        {
            folder = await DemoFolderOf(killed);
            await Signal(killed.Process, "KILL");
            await killed.WaitForExitAsync(Slow);
        }
        await Assert.That(Directory.Exists(folder)).IsTrue();
        // A folder whose name acws does not make is not acws's to remove.
        string notOurs = Path.Combine(tmp, "acws-demo-notes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(notOurs);
        await using (var next = await AgentProcess.StartAsync(["--demo", "--port", "0"], env))
        {
            string own = await DemoFolderOf(next);
            await Assert.That(next.StdErr).Contains($"acws: removed {folder}, left by an acws that was killed");
            await Assert.That(Directory.Exists(folder)).IsFalse();
            await Assert.That(Directory.Exists(own)).IsTrue();
            await Assert.That(Directory.Exists(notOurs)).IsTrue();
        }
        Directory.Delete(tmp, recursive: true);
    }

    [Test]
    public async Task Demo_with_dir_is_a_usage_error()
    {
        await using var agent = AgentProcess.Launch(["--demo", "--dir", Path.GetTempPath()]);
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(2);
        await Assert.That(agent.StdErr).Contains("--demo serves a sample folder it makes itself: leave out --dir");
        await Assert.That(agent.StdErr).Contains("usage: acws");
        await Assert.That(agent.StdErr).DoesNotContain("demo server folder is");
        // ACWS_DIR is a default, not a choice made on this command line: the demo does not look at it.
        await Assert.That(Options.Parse(["--demo"], n => n == "ACWS_DIR" ? "/srv/ac" : null).Demo).IsTrue();
    }

    [Test]
    public async Task A_test_server_folder_with_a_running_stand_in_is_removed()
    {
        var folder = new StandInFolder();
        await using (var host = await AgentHost.StartAsync(folder.Root))
        {
            await using var ws = await WsClient.ConnectAsync(host.Port);
            await Assert.That((await ws.AskAsync("server start", Slow)).ErrorOrNull()).IsNull();
            folder.Cue("join CAR_0");
            await ws.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), Slow);
        }
        folder.Dispose();
        await Assert.That(Directory.Exists(folder.Root)).IsFalse();
    }
}
