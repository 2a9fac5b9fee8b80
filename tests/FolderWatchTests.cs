using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// Read-only commands look at cfg/ through an inotify watch (Files/FolderWatch.cs) instead of a stat per file, once a
/// file's read has settled (changed more than 2 s before it was read). Every test here first waits for the files
/// to settle and asks twice, so the second answer came from a read the watch vouches for; then it changes the disk
/// the ways people do, and the very next reply must show it.
/// </summary>
public class FolderWatchTests
{
    /// <summary>
    /// Waits until the files just written into cfg/ changed more than 2 s ago (a read of a newer file is never vouched
    /// for). Their change time (ctime, which the check also reads) is when they were written, whatever File.Copy kept.
    /// </summary>
    static async Task SettledAsync()
    {
        var writtenBy = DateTime.UtcNow;
        while (DateTime.UtcNow < writtenBy + TimeSpan.FromSeconds(2.5)) await Task.Delay(writtenBy + TimeSpan.FromSeconds(2.5) - DateTime.UtcNow);
    }

    static async Task<(TempServerFolder Folder, AgentHost Host, WsClient Ws)> SettledAgentAsync()
    {
        var f = new TempServerFolder();
        await SettledAsync();
        var host = await AgentHost.StartAsync(f.Root);
        var ws = await WsClient.ConnectAsync(host.Port);
        await InfoAsync(ws);
        await InfoAsync(ws);
        return (f, host, ws);
    }

    static async Task<System.Text.Json.JsonElement> InfoAsync(WsClient ws)
    {
        var reply = await ws.AskAsync("server info");
        if (reply.ErrorOrNull() is { } error) throw new Exception($"server info: {error}");
        return reply.Data().GetProperty("server");
    }

    [Test]
    public async Task The_watch_sees_edits_in_cfg_and_nothing_else()
    {
        using var f = new TempServerFolder();
        var watch = FolderWatch.Open(f.Root, f.PathOf("cfg"))!;
        await Assert.That(watch).IsNotNull();
        long start = watch.Generation();
        await Assert.That(watch.Generation()).IsEqualTo(start);

        File.WriteAllText(f.PathOf("results/2026_1_1_20_0_RACE.json"), "{}");
        await Assert.That(watch.Generation()).IsEqualTo(start);

        File.AppendAllText(f.Cfg("entry_list.ini"), "\n");
        long afterEdit = watch.Generation();
        await Assert.That(afterEdit).IsNotEqualTo(start);
        await Assert.That(watch.Generation()).IsEqualTo(afterEdit);

        File.WriteAllText(f.Cfg("extra_cfg.yml"), "EnableLegacyPluginInterface: true\n");
        await Assert.That(watch.Generation()).IsNotEqualTo(afterEdit);
        await Assert.That(watch.Vouches).IsTrue();

        // cfg/ itself moved away: the watch no longer vouches for anything.
        Directory.Move(f.PathOf("cfg"), f.PathOf("cfg-old"));
        watch.Generation();
        await Assert.That(watch.Vouches).IsFalse();
    }

    [Test]
    public async Task An_edit_in_place_of_the_same_size_shows_in_the_next_reply()
    {
        var (f, host, ws) = await SettledAgentAsync();
        using (f) await using (host) await using (ws)
        {
            string cfg = f.Cfg("server_cfg.ini");
            File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("NAME=AC_Server", "NAME=AC_Sorver"));
            await Assert.That((await InfoAsync(ws)).Str("name")).IsEqualTo("AC_Sorver");
        }
    }

    [Test]
    public async Task A_file_renamed_over_the_old_one_shows_in_the_next_reply()
    {
        var (f, host, ws) = await SettledAgentAsync();
        using (f) await using (host) await using (ws)
        {
            string entries = f.Cfg("entry_list.ini");
            string edited = File.ReadAllText(entries).Replace("DRIVERNAME=", "DRIVERNAME=Renamed");
            File.WriteAllText(entries + ".tmp", edited);
            File.Move(entries + ".tmp", entries, overwrite: true);
            await Assert.That((await InfoAsync(ws)).GetProperty("entries").GetProperty("0").Str("drivername")).IsEqualTo("Renamed");
        }
    }

    [Test]
    public async Task A_deleted_entry_list_and_a_new_extra_cfg_show_in_the_next_reply()
    {
        var (f, host, ws) = await SettledAgentAsync();
        using (f) await using (host) await using (ws)
        {
            await Assert.That((await InfoAsync(ws)).GetProperty("extra_cfg").GetProperty("present").GetBoolean()).IsFalse();
            File.WriteAllText(f.Cfg("extra_cfg.yml"), "EnableLegacyPluginInterface: true\n");
            await Assert.That((await InfoAsync(ws)).GetProperty("extra_cfg").GetProperty("present").GetBoolean()).IsTrue();

            File.Delete(f.Cfg("entry_list.ini"));
            var info = await InfoAsync(ws);
            await Assert.That(info.Str("entries_error")).Contains("entry_list.ini");
        }
    }

    [Test]
    public async Task A_linked_file_whose_target_lives_elsewhere_shows_an_edit_of_the_target()
    {
        using var f = new TempServerFolder();
        string target = f.PathOf("elsewhere_server_cfg.ini");
        File.Move(f.Cfg("server_cfg.ini"), target);
        File.CreateSymbolicLink(f.Cfg("server_cfg.ini"), target);
        await SettledAsync();
        await using var host = await AgentHost.StartAsync(f.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await InfoAsync(ws);
        await InfoAsync(ws);

        File.WriteAllText(target, File.ReadAllText(target).Replace("NAME=AC_Server", "NAME=AC_Linked"));
        await Assert.That((await InfoAsync(ws)).Str("name")).IsEqualTo("AC_Linked");
    }

    [Test]
    public async Task A_cfg_folder_swapped_for_another_shows_in_the_next_reply()
    {
        var (f, host, ws) = await SettledAgentAsync();
        using (f) await using (host) await using (ws)
        {
            Directory.CreateDirectory(f.PathOf("cfg-new"));
            foreach (var file in Directory.GetFiles(f.PathOf("cfg")))
                File.Copy(file, Path.Combine(f.PathOf("cfg-new"), Path.GetFileName(file)));
            string cfg = Path.Combine(f.PathOf("cfg-new"), "server_cfg.ini");
            File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("NAME=AC_Server", "NAME=AC_Swapped"));
            Directory.Move(f.PathOf("cfg"), f.PathOf("cfg-old"));
            Directory.Move(f.PathOf("cfg-new"), f.PathOf("cfg"));
            await Assert.That((await InfoAsync(ws)).Str("name")).IsEqualTo("AC_Swapped");
        }
    }
}
