using System.Globalization;
using System.Text.Json;
using AcWs.Commands;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// kill -9 of a real acws while a client hammers `server configuration write` and `grid save`: every file acws
/// wrote (the live files, .old, the copies under logs/acws/) is one of the known complete versions, and no temp
/// file survives the next start. ACWS_TEST_KILLS sets the number of kills (default 20; the issue's figure is 200).
/// </summary>
public class CrashSafeWriteTests
{
    const string Race = "results/2019_2_15_21_16_RACE.json";
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    static int Kills => int.TryParse(Environment.GetEnvironmentVariable("ACWS_TEST_KILLS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 20;

    /// <summary>The commands the client repeats, round <paramref name="i"/>: two versions of each file, written alternately.</summary>
    static string[] Round(int i) =>
        [$"server session race laps {11 + i % 2}", "server configuration write", $"grid {(i % 2 == 0 ? "reverse" : "finish")} {Race}", "grid save"];

    /// <summary>Every complete version each file can hold: the original and what each write of <see cref="Round"/> makes of it.</summary>
    static async Task<(HashSet<string> Cfg, HashSet<string> Entries)> KnownVersions()
    {
        using var f = TempServerFolder.Demo();
        var agent = new Agent(new Options { Dir = f.Root }, new ServerFolder(f.Root), TextWriter.Null);
        HashSet<string> cfg = [Convert.ToHexString(File.ReadAllBytes(f.Cfg("server_cfg.ini")))];
        HashSet<string> entries = [Convert.ToHexString(File.ReadAllBytes(f.Cfg("entry_list.ini")))];
        for (int i = 0; i < 4; i++)
        {
            foreach (var line in Round(i))
            {
                var reply = JsonDocument.Parse((await Dispatcher.RunAsync(line, agent.Rooms)).ToJson()).RootElement;
                if (reply.IsError()) throw new Exception($"{line}: {reply}");
            }
            cfg.Add(Convert.ToHexString(File.ReadAllBytes(f.Cfg("server_cfg.ini"))));
            entries.Add(Convert.ToHexString(File.ReadAllBytes(f.Cfg("entry_list.ini"))));
        }
        return (cfg, entries);
    }

    [Test]
    public async Task Kill_9_during_writes_leaves_no_damaged_file_and_no_temp_file_after_the_next_start()
    {
        var (knownCfg, knownEntries) = await KnownVersions();
        await Assert.That(knownCfg.Count).IsEqualTo(3);
        await Assert.That(knownEntries.Count).IsEqualTo(2);

        using var f = TempServerFolder.Demo();
        File.SetUnixFileMode(f.Cfg("server_cfg.ini"), OwnerOnly);
        string cfgDir = f.PathOf("cfg"), logs = f.PathOf("logs/acws");
        var damaged = new List<string>();
        var random = new Random(13);
        int repliesSeen = 0, leftoversSeen = 0;
        long writeUs = 20_000;

        void Check(string path, HashSet<string> known, UnixFileMode? mode, int round)
        {
            if (!File.Exists(path)) return;
            if (!known.Contains(Convert.ToHexString(File.ReadAllBytes(path)))) damaged.Add($"round {round}: {Path.GetRelativePath(f.Root, path)} holds no known version");
            if (mode is { } m && File.GetUnixFileMode(path) != m) damaged.Add($"round {round}: {Path.GetRelativePath(f.Root, path)} is {File.GetUnixFileMode(path)}");
        }

        for (int round = 0; round < Kills; round++)
        {
            var leftovers = ServerFolderTests.TempFiles(cfgDir).Concat(ServerFolderTests.TempFiles(logs)).ToList();
            leftoversSeen += leftovers.Count;
            await using var agent = await AgentProcess.StartAsync(["--dir", f.Root, "--port", "0"]);
            // The start removed what the last kill left, before it listened.
            var survivors = ServerFolderTests.TempFiles(cfgDir).Concat(ServerFolderTests.TempFiles(logs)).ToList();
            if (survivors.Count > 0) damaged.Add($"round {round}: temp files survived the start: {string.Join(", ", survivors)}");
            if (leftovers.Count > 0)
            {
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (!agent.StdOut.Contains("left by an earlier acws") && DateTime.UtcNow < deadline) await Task.Delay(20);
                if (!agent.StdOut.Contains($"removed {leftovers.Count} temp file(s) left by an earlier acws"))
                    damaged.Add($"round {round}: the start did not log the {leftovers.Count} temp files it removed");
            }

            await using var ws = await WsClient.ConnectAsync(agent.Port);
            // Aim at a write: kill at a random moment within about one write's time after the k-th write is sent.
            int target = random.Next(1, 5), writesSent = 0;
            var aboutToWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var hammer = Task.Run(async () =>
            {
                for (int i = 0; ; i++)
                    foreach (var line in Round(i))
                    {
                        bool write = line is "server configuration write" or "grid save";
                        if (write && ++writesSent == target) aboutToWrite.TrySetResult();
                        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                        await ws.AskAsync(line);
                        if (write) Interlocked.Exchange(ref writeUs, (long)System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                        Interlocked.Increment(ref repliesSeen);
                    }
            });
            await Task.WhenAny(aboutToWrite.Task, hammer).WaitAsync(WsClient.Timeout);
            await Task.Delay(TimeSpan.FromMicroseconds(random.NextDouble() * 1.5 * Interlocked.Read(ref writeUs)));
            agent.Process.Kill();
            await agent.Process.WaitForExitAsync();
            // The hammer ends with the connection: its error is expected, and observed here.
            await hammer.ContinueWith(t => t.Exception).WaitAsync(WsClient.Timeout);

            Check(f.Cfg("server_cfg.ini"), knownCfg, OwnerOnly, round);
            Check(f.Cfg("server_cfg.ini.old"), knownCfg, OwnerOnly, round);
            Check(f.Cfg("entry_list.ini"), knownEntries, null, round);
            Check(f.Cfg("entry_list.ini.old"), knownEntries, null, round);
            foreach (var copy in Directory.GetFiles(logs, "server_cfg-*.ini")) Check(copy, knownCfg, OwnerOnly, round);
            foreach (var copy in Directory.GetFiles(logs, "entry_list-*.ini")) Check(copy, knownEntries, null, round);
            foreach (var temp in ServerFolderTests.TempFiles(cfgDir).Where(t => Path.GetFileName(t).StartsWith(".server_cfg")))
                if (File.GetUnixFileMode(temp) != OwnerOnly) damaged.Add($"round {round}: {temp} is {File.GetUnixFileMode(temp)}");
        }

        await using (var last = await AgentProcess.StartAsync(["--dir", f.Root, "--port", "0"]))
        {
            await Assert.That(ServerFolderTests.TempFiles(cfgDir)).IsEmpty();
            await Assert.That(ServerFolderTests.TempFiles(logs)).IsEmpty();
        }
        string summary = $"{Kills} kills, {repliesSeen} replies, {leftoversSeen} temp files left by kills and removed at the next start";
        Console.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("ACWS_TEST_KILLS_SUMMARY") is { Length: > 0 } summaryFile) File.AppendAllText(summaryFile, summary + "\n");
        await Assert.That(damaged).IsEmpty();
        await Assert.That(repliesSeen).IsGreaterThanOrEqualTo(Kills);
    }
}
