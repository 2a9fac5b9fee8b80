using System.Text;
using System.Text.RegularExpressions;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>The one way acws replaces a file (temp file, fsync, rename, backups written the same way), tidying at start, and reading.</summary>
public class ServerFolderTests
{
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>acws's temp files, including the old name (<c>NAME.acws-PID.tmp</c>) earlier versions left behind.</summary>
    public static string[] TempFiles(string folder) => Directory.Exists(folder)
        ? [.. Directory.GetFiles(folder).Where(f => Regex.IsMatch(Path.GetFileName(f), @"acws-tmp-|\.acws-\d+\.tmp$"))]
        : [];

    [Test]
    public async Task A_replaced_file_keeps_its_permissions_and_leaves_backups_with_them()
    {
        using var f = new TempServerFolder();
        string cfg = f.Cfg("server_cfg.ini");
        var before = File.ReadAllBytes(cfg);
        File.SetUnixFileMode(cfg, OwnerOnly);
        var folder = new ServerFolder(f.Root);

        await Assert.That(folder.WriteAtomically(ServerFolder.ServerCfg, "[SERVER]\nNAME=new\n"u8.ToArray())).IsNull();

        await Assert.That(File.GetUnixFileMode(cfg)).IsEqualTo(OwnerOnly);
        await Assert.That(File.ReadAllText(cfg)).IsEqualTo("[SERVER]\nNAME=new\n");
        await Assert.That(File.ReadAllBytes(cfg + ".old").SequenceEqual(before)).IsTrue();
        await Assert.That(File.GetUnixFileMode(cfg + ".old")).IsEqualTo(OwnerOnly);
        var copies = Directory.GetFiles(f.PathOf("logs/acws"), "server_cfg-*.ini");
        await Assert.That(copies.Length).IsEqualTo(1);
        await Assert.That(File.ReadAllBytes(copies[0]).SequenceEqual(before)).IsTrue();
        await Assert.That(File.GetUnixFileMode(copies[0])).IsEqualTo(OwnerOnly);
        await Assert.That(TempFiles(f.PathOf("cfg"))).IsEmpty();
        await Assert.That(TempFiles(f.PathOf("logs/acws"))).IsEmpty();
    }

    [Test]
    public async Task The_new_bytes_go_to_a_recognisable_owner_only_temp_file_in_the_same_folder()
    {
        using var f = new TempServerFolder();
        File.SetUnixFileMode(f.Cfg("server_cfg.ini"), OwnerOnly);
        string[] seen = [];
        UnixFileMode mode = default;
        var error = new ServerFolder(f.Root).WriteAtomically(ServerFolder.ServerCfg, "[SERVER]\nNAME=x\n"u8.ToArray(), beforeRename: () =>
        {
            seen = TempFiles(f.PathOf("cfg"));
            mode = File.GetUnixFileMode(seen[0]);
        });
        await Assert.That(error).IsNull();
        await Assert.That(seen.Select(p => Path.GetFileName(p)!)).IsEquivalentTo(new[] { $".server_cfg.ini.acws-tmp-{Environment.ProcessId}-" + seen[0].Split('-').Last() });
        await Assert.That(mode).IsEqualTo(OwnerOnly);
    }

    [Test]
    public async Task A_crash_before_the_rename_leaves_the_old_file_and_no_temp_file()
    {
        using var f = new TempServerFolder();
        string cfg = f.Cfg("server_cfg.ini");
        var before = File.ReadAllBytes(cfg);
        var error = new ServerFolder(f.Root).WriteAtomically(ServerFolder.ServerCfg, "x"u8.ToArray(),
            beforeRename: () => throw new IOException("power cut"));
        await Assert.That(error).IsEqualTo("cannot write cfg/server_cfg.ini: power cut; the file was not changed");
        await Assert.That(File.ReadAllBytes(cfg).SequenceEqual(before)).IsTrue();
        await Assert.That(TempFiles(f.PathOf("cfg"))).IsEmpty();
    }

    [Test]
    [Arguments("server_cfg.ini")]
    [Arguments("entry_list.ini")]
    public async Task A_linked_cfg_file_stays_a_link_and_its_target_is_replaced(string name)
    {
        using var f = new TempServerFolder();
        string elsewhere = f.PathOf("shared");
        Directory.CreateDirectory(elsewhere);
        string target = Path.Combine(elsewhere, name), link = f.Cfg(name);
        File.Move(link, target);
        File.CreateSymbolicLink(link, "../shared/" + name);
        var before = File.ReadAllBytes(target);

        await Assert.That(new ServerFolder(f.Root).WriteAtomically("cfg/" + name, "[X]\nA=1\n"u8.ToArray())).IsNull();

        await Assert.That(new FileInfo(link).LinkTarget).IsEqualTo("../shared/" + name);
        await Assert.That(File.ReadAllText(target)).IsEqualTo("[X]\nA=1\n");
        await Assert.That(File.ReadAllBytes(link + ".old").SequenceEqual(before)).IsTrue();
        await Assert.That(TempFiles(elsewhere)).IsEmpty();
        await Assert.That(TempFiles(f.PathOf("cfg"))).IsEmpty();
    }

    [Test]
    public async Task A_start_removes_leftover_temp_files_and_says_so_but_not_those_of_a_live_acws()
    {
        using var f = new TempServerFolder();
        Directory.CreateDirectory(f.PathOf("logs/acws"));
        string[] leftovers = [f.Cfg(".server_cfg.ini.acws-tmp-999999999-3"), f.Cfg("entry_list.ini.acws-999999998.tmp"),
            f.PathOf("logs/acws/.server_cfg-20260101-101010.ini.acws-tmp-999999999-4")];
        // pid 1 is alive: a temp file named after it belongs to a process that may still rename it.
        string live = f.Cfg(".server_cfg.ini.acws-tmp-1-1");
        foreach (var path in leftovers.Append(live)) File.WriteAllText(path, "ADMIN_PASSWORD=secret");

        await using var host = await AgentHost.StartAsync(f.Root);
        foreach (var path in leftovers) await Assert.That(File.Exists(path)).IsFalse();
        await Assert.That(File.Exists(live)).IsTrue();
        var log = await host.LogWhenAsync(l => l.Contains("temp file(s) left by an earlier acws"));
        await Assert.That(log).Contains("removed 3 temp file(s) left by an earlier acws: ");
        await Assert.That(log).Contains("cfg/.server_cfg.ini.acws-tmp-999999999-3");
    }

    [Test]
    public async Task Logs_keep_the_newest_runs_and_older_ones_go_at_start()
    {
        using var f = new TempServerFolder();
        string logs = f.PathOf("logs/acws");
        Directory.CreateDirectory(logs);
        // Five runs (one acServer start leaves three files with one stamp), a second copy within one second, and an unstamped file.
        var stamps = Enumerable.Range(1, 5).Select(i => $"20260101-1010{i:00}").ToList();
        foreach (var stamp in stamps)
            foreach (var name in new[] { $"acServer-{stamp}.log", $"server_cfg-{stamp}.ini", $"entry_list-{stamp}.ini" })
                File.WriteAllText(Path.Combine(logs, name), "x");
        File.WriteAllText(Path.Combine(logs, $"server_cfg-{stamps[4]}-2.ini"), "x");
        File.WriteAllText(Path.Combine(logs, "notes.txt"), "kept");

        await using (var host = await AgentHost.StartAsync(new Options { Dir = f.Root, Port = 0, KeepLogs = 2 }))
            await Assert.That(await host.LogWhenAsync(l => l.Contains("older runs"))).Contains("removed 9 file(s) of older runs from logs/acws/ (--keep-logs 2)");

        var left = Directory.GetFiles(logs).Select(p => Path.GetFileName(p)!).Order().ToArray();
        await Assert.That(left).IsEquivalentTo(new[]
        {
            $"acServer-{stamps[3]}.log", $"acServer-{stamps[4]}.log", $"entry_list-{stamps[3]}.ini", $"entry_list-{stamps[4]}.ini",
            "notes.txt", $"server_cfg-{stamps[3]}.ini", $"server_cfg-{stamps[4]}-2.ini", $"server_cfg-{stamps[4]}.ini",
        });
    }

    [Test]
    [Arguments(new[] { "--keep-logs", "7" }, null, 7)]
    [Arguments(new string[0], "9", 9)]
    [Arguments(new[] { "--keep-logs", "3" }, "9", 3)]
    [Arguments(new string[0], null, 50)]
    public async Task Keep_logs_comes_from_the_flag_then_the_environment_then_50(string[] args, string? env, int expected)
    {
        var options = Options.Parse(args, name => name == "ACWS_KEEP_LOGS" ? env : null);
        await Assert.That(options.KeepLogs).IsEqualTo(expected);
        await Assert.That(() => Options.Parse(["--keep-logs", "0"], _ => null)).Throws<UsageException>()
            .WithMessage("--keep-logs must be a whole number 1-100000, got '0'");
    }

    [Test]
    public async Task Each_load_is_a_copy_of_its_own()
    {
        using var f = new TempServerFolder();
        var folder = new ServerFolder(f.Root);
        var (first, _) = folder.Load(ServerFolder.ServerCfg);
        first!.Set("SERVER", "NAME", "changed in one copy");
        var (second, _) = folder.Load(ServerFolder.ServerCfg);
        await Assert.That(second!.Get("SERVER", "NAME")).IsNotEqualTo("changed in one copy");
        await Assert.That(second.ToBytes().SequenceEqual(File.ReadAllBytes(f.Cfg("server_cfg.ini")))).IsTrue();
    }

    [Test]
    public async Task An_edit_by_hand_shows_in_the_next_reply_even_within_one_timestamp_tick()
    {
        using var f = new TempServerFolder();
        string cfg = f.Cfg("server_cfg.ini");
        string original = File.ReadAllText(cfg);
        string name = new ServerFolder(f.Root).Load(ServerFolder.ServerCfg).Ini!.Get("SERVER", "NAME")!;
        await using var host = await AgentHost.StartAsync(f.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        // Same length, same inode (written in place), one right after the other: only the content tells them apart.
        for (int i = 0; i < 30; i++)
        {
            string next = $"N{i % 10}" + name[2..];
            using (var file = new FileStream(cfg, FileMode.Open, FileAccess.Write))
                file.Write(Encoding.UTF8.GetBytes(original.Replace("NAME=" + name, "NAME=" + next)));
            var reply = await ws.AskAsync("server info");
            await Assert.That(reply.Data().GetProperty("server").Str("name")).IsEqualTo(next);
        }
    }
}
