using System.Text;
using System.Text.Json;
using AcWs.Commands;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary><c>grid …</c> through the dispatcher, the entry_list.ini rewrite byte for byte, and one run over a real WebSocket.</summary>
public class GridTests
{
    const string DemoRace = "results/2019_2_15_21_16_RACE.json";
    static readonly string[] DemoFinish =
        ["Joseph Elton", "Callum Jones", "Henry Spencer", "Danny Wilson", "Lee Crossley", "Bradley Ward", "Jayan Mistry", "Warren Pilz", "Sebastian Townsend"];
    static readonly string[] DemoReverse =
        ["Callum Jones", "Joseph Elton", "Henry Spencer", "Danny Wilson", "Lee Crossley", "Bradley Ward", "Jayan Mistry", "Warren Pilz", "Sebastian Townsend"];

    static TempServerFolder DemoFolder() => TempServerFolder.Demo();

    static Agent AgentFor(TempServerFolder f) => new(new Options { Dir = f.Root }, new ServerFolder(f.Root), TextWriter.Null);

    static async Task<JsonElement> Run(string line, Agent agent) =>
        JsonDocument.Parse((await Dispatcher.RunAsync(line, agent.Rooms)).ToJson()).RootElement.Clone();

    static string[] Grid(JsonElement reply) => [.. reply.Data().GetProperty("grid").EnumerateObject().Select(p => p.Value.GetString()!)];
    static string[] GridKeys(JsonElement reply) => [.. reply.Data().GetProperty("grid").EnumerateObject().Select(p => p.Name)];

    static void CopyRace(TempServerFolder f, string fixture, string name) =>
        File.Copy(Fixtures.Real("results/" + fixture), f.PathOf("results/" + name), overwrite: true);

    static string[] DriversOnDisk(TempServerFolder f) =>
        [.. Ini.EntryList.From(Ini.IniDocument.Load(f.Cfg("entry_list.ini"), "e")).Select(s => s.DriverName)];

    [Test]
    public async Task Grid_finish_and_reverse_answer_with_the_file_and_the_order()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        var finish = await Run("grid finish", agent);
        await Assert.That(finish.Data().Str("msg")).IsEqualTo($"{DemoRace} parse SUCCESS");
        await Assert.That(GridKeys(finish)).IsEquivalentTo(["1", "2", "3", "4", "5", "6", "7", "8", "9"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Grid(finish)).IsEquivalentTo(DemoFinish, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(finish.Data().TryGetProperty("warning", out _)).IsFalse();

        await Assert.That(Grid(await Run("grid reverse", agent))).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Grid(await Run("grid order", agent))).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Grid(await Run("grid reverse 1", agent))).IsEquivalentTo(DemoFinish, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Grid(await Run("grid reverse 50 " + DemoRace, agent))).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        // Recomputed from scratch: repeating never grows the grid.
        await Run("grid finish", agent);
        await Assert.That(Grid(await Run("grid current", agent))).IsEquivalentTo(DemoFinish, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    [Arguments("grid reverse 0")]
    [Arguments("grid reverse -2")]
    [Arguments("grid reverse 2.5")]
    [Arguments("grid reverse x2 results/2019_2_15_21_16_RACE.json")]
    public async Task Reverse_n_must_be_a_positive_whole_number(string line)
    {
        using var f = DemoFolder();
        var r = await Run(line, AgentFor(f));
        await Assert.That(r.ErrorMsg()).StartsWith("N must be a positive whole number");
    }

    [Test]
    public async Task Order_and_save_without_a_pending_grid_are_errors()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        await Assert.That((await Run("grid order", agent)).ErrorMsg()).IsEqualTo("no grid pending: send 'grid finish' or 'grid reverse' first");
        await Assert.That((await Run("grid save", agent)).ErrorMsg()).IsEqualTo("no grid pending: send 'grid finish' or 'grid reverse' first");
        await Assert.That(File.Exists(f.Cfg("entry_list.ini.old"))).IsFalse();
    }

    [Test]
    public async Task The_latest_race_is_by_the_date_in_the_name_then_by_modification_time()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        File.Delete(f.PathOf(DemoRace));
        // "2019_2_9" sorts after "2019_2_15" as text; the date says 15 February is newer. Its mtime is older.
        CopyRace(f, "simresults_duplicate.result.info.for.miguel.json", "2019_2_9_21_16_RACE.json");
        CopyRace(f, "justapenguin_2019_2_15_21_16_RACE.json", "2019_2_15_9_5_RACE.json");
        File.SetLastWriteTimeUtc(f.PathOf("results/2019_2_15_9_5_RACE.json"), new DateTime(2020, 1, 1));
        // Newer, but not races.
        CopyRace(f, "justapenguin_2019_2_15_21_8_QUALIFY.json", "2019_3_1_1_1_QUALIFY.json");
        CopyRace(f, "justapenguin_2019_3_2_17_27_PRACTICE.json", "2019_3_2_17_27_PRACTICE.json");
        var r = await Run("grid finish", agent);
        await Assert.That(r.Data().Str("msg")).IsEqualTo("results/2019_2_15_9_5_RACE.json parse SUCCESS");

        // Same date in the name: the newer file wins.
        CopyRace(f, "justapenguin_2019_2_15_21_16_RACE.json", "2019_02_15_09_05_RACE.json");
        File.SetLastWriteTimeUtc(f.PathOf("results/2019_02_15_09_05_RACE.json"), new DateTime(2021, 1, 1));
        await Assert.That((await Run("grid finish", agent)).Data().Str("msg")).IsEqualTo("results/2019_02_15_09_05_RACE.json parse SUCCESS");
    }

    [Test]
    public async Task A_broken_or_non_race_file_is_parse_failed_and_the_pending_grid_stays()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        await Run("grid reverse", agent);
        File.WriteAllText(f.PathOf("results/2019_2_16_10_0_RACE.json"), "{\"TrackName\": \"barbagallo\", \"Result\": [");
        var broken = await Run("grid finish", agent);
        await Assert.That(broken.ErrorMsg()).StartsWith("results/2019_2_16_10_0_RACE.json parse FAILED: not valid results JSON at line 1, byte 40 (in $.Result");
        CopyRace(f, "justapenguin_2019_2_15_21_8_QUALIFY.json", "2019_2_15_21_8_QUALIFY.json");
        var qualify = await Run("grid finish results/2019_2_15_21_8_QUALIFY.json", agent);
        await Assert.That(qualify.ErrorMsg()).IsEqualTo("results/2019_2_15_21_8_QUALIFY.json parse FAILED: it is a QUALIFY session, not a RACE");
        await Assert.That(Grid(await Run("grid order", agent))).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    [Arguments("../../etc/passwd")]
    [Arguments("/etc/passwd")]
    [Arguments("results/../cfg/server_cfg.ini")]
    [Arguments("..")]
    [Arguments("results/sub/x.json")]
    [Arguments("escape.json")]
    public async Task Files_outside_results_are_refused(string file)
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        // A link inside results/ that points out of it.
        File.CreateSymbolicLink(f.PathOf("results/escape.json"), f.Cfg("server_cfg.ini"));
        var r = await Run("grid finish " + file, agent);
        await Assert.That(r.ErrorMsg()).StartsWith($"'{file}' is not a file in results/");
        await Assert.That((await Run("grid order", agent)).IsError()).IsTrue();
    }

    [Test]
    public async Task A_link_inside_results_to_a_file_inside_results_is_fine()
    {
        using var f = DemoFolder();
        File.CreateSymbolicLink(f.PathOf("results/latest.json"), f.PathOf(DemoRace));
        var r = await Run("grid finish latest.json", AgentFor(f));
        await Assert.That(r.Data().Str("msg")).IsEqualTo("results/latest.json parse SUCCESS");
    }

    [Test]
    public async Task Another_track_is_an_error_when_picked_and_a_warning_when_named()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        var cfg = Ini.IniDocument.Load(f.Cfg("server_cfg.ini"), "s");
        cfg.Set("SERVER", "TRACK", "ks_vallelunga");
        cfg.Set("SERVER", "CONFIG_TRACK", "club_circuit");
        File.WriteAllBytes(f.Cfg("server_cfg.ini"), cfg.ToBytes());

        var picked = await Run("grid finish", agent);
        await Assert.That(picked.ErrorMsg()).IsEqualTo(
            $"{DemoRace} is a race at 'barbagallo' but cfg/server_cfg.ini has 'ks_vallelunga' (config 'club_circuit'); to use it anyway send 'grid finish {DemoRace}'");
        await Assert.That((await Run("grid reverse 3", agent)).ErrorMsg()).EndsWith($"send 'grid reverse 3 {DemoRace}'");
        await Assert.That((await Run("grid order", agent)).IsError()).IsTrue();

        var named = await Run("grid finish " + DemoRace, agent);
        await Assert.That(named.Data().Str("warning")).IsEqualTo($"{DemoRace} is a race at 'barbagallo' but cfg/server_cfg.ini has 'ks_vallelunga' (config 'club_circuit')");
        await Assert.That(Grid(named)).IsEquivalentTo(DemoFinish, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task Grid_entries_shows_current_and_pending_positions()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        var before = (await Run("grid entries", agent)).Data().GetProperty("entries");
        await Assert.That(before.EnumerateObject().Count()).IsEqualTo(9);
        var car1 = before.GetProperty("CAR_1");
        await Assert.That(string.Join(",", car1.EnumerateObject().Select(p => p.Name))).IsEqualTo("car_id,position,pending_position,model,skin,driver,guid");
        await Assert.That(car1.GetProperty("position").GetInt32()).IsEqualTo(2);
        await Assert.That(car1.GetProperty("pending_position").ValueKind).IsEqualTo(JsonValueKind.Null);

        await Run("grid finish", agent);
        var after = (await Run("grid entries", agent)).Data().GetProperty("entries");
        await Assert.That(after.GetProperty("CAR_1").GetProperty("pending_position").GetInt32()).IsEqualTo(1);
        await Assert.That(after.GetProperty("CAR_0").GetProperty("pending_position").GetInt32()).IsEqualTo(2);
        await Assert.That(after.GetProperty("CAR_8").GetProperty("pending_position").GetInt32()).IsEqualTo(9);
        await Assert.That(after.GetProperty("CAR_1").Str("driver")).IsEqualTo("Joseph Elton");
        await Assert.That(after.GetProperty("CAR_1").Str("guid")).IsEqualTo("76561198029578060");
        await Assert.That(after.GetProperty("CAR_1").Str("skin")).IsEqualTo("06_Smith_Racing");
    }

    // An entry list as people really have them: BOM, CRLF, a comment block above a section, unknown keys,
    // an inner comment, and a last section without a final newline.
    const string Bom = "\uFEFF";
    static readonly string Henry = "; reserve driver\r\n[CAR_0]\r\nMODEL=rss_formula_rss_4\r\nSKIN=07_Chinese_Dragons\r\nDRIVERNAME=Henry Spencer\r\nGUID=76561198022717360\r\nAI=auto\r\n";
    static readonly string Callum = "[CAR_1]\r\nMODEL=rss_formula_rss_4\r\n; wants the blue one\r\nSKIN=14_Outback_Stars\r\nDRIVERNAME=Callum Jones\r\nGUID=76561198020046073\r\nFIXED_SETUP=league.ini\r\n";
    static readonly string Joseph = "[CAR_2]   ; fastest\r\nMODEL=rss_formula_rss_4\r\nSKIN=06_Smith_Racing\r\nDRIVERNAME=Joseph Elton\r\nGUID=76561198029578060\r\nBALLAST=";

    static string Renumbered(string block, int n) => System.Text.RegularExpressions.Regex.Replace(block, @"\[CAR_\d+\]", $"[CAR_{n}]");

    [Test]
    public async Task Save_moves_whole_blocks_and_changes_only_section_numbers()
    {
        using var f = DemoFolder();
        File.WriteAllText(f.Cfg("entry_list.ini"), Bom + Henry + "\r\n" + Callum + "\r\n" + Joseph, new UTF8Encoding(false));
        var agent = AgentFor(f);
        byte[] original = File.ReadAllBytes(f.Cfg("entry_list.ini"));

        await Assert.That(Grid(await Run("grid finish", agent))).IsEquivalentTo(["Joseph Elton", "Callum Jones", "Henry Spencer"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        var saved = await Run("grid save", agent);
        await Assert.That(saved.Data().Str("msg")).IsEqualTo("entry_list.ini file update SUCCESS");
        await Assert.That(saved.Data().TryGetProperty("note", out _)).IsFalse();

        // Joseph's block had no final newline; in first place it takes the CRLF of the place it moved to,
        // and Henry's block, now last, ends the file without one, as the file did.
        string expected = Bom + Renumbered(Joseph, 0) + "\r\n" + "\r\n" + Callum + "\r\n" + Renumbered(Henry, 2).TrimEnd('\r', '\n');
        await Assert.That(Encoding.UTF8.GetString(File.ReadAllBytes(f.Cfg("entry_list.ini")))).IsEqualTo(expected);
        await Assert.That(File.ReadAllBytes(f.Cfg("entry_list.ini.old"))).IsEquivalentTo(original, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        var copies = Directory.GetFiles(f.PathOf("logs/acws"), "entry_list-*.ini");
        await Assert.That(copies.Length).IsEqualTo(1);
        await Assert.That(File.ReadAllBytes(copies[0])).IsEquivalentTo(original, TUnit.Assertions.Enums.CollectionOrdering.Matching);

        // The saved file is the grid now: saving again changes nothing, and entries agree.
        byte[] once = File.ReadAllBytes(f.Cfg("entry_list.ini"));
        await Assert.That((await Run("grid write", agent)).ErrorOrNull()).IsNull();
        await Assert.That(File.ReadAllBytes(f.Cfg("entry_list.ini"))).IsEquivalentTo(once, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        var entries = (await Run("grid entries", agent)).Data().GetProperty("entries");
        await Assert.That(entries.GetProperty("CAR_0").Str("driver")).IsEqualTo("Joseph Elton");
        await Assert.That(entries.GetProperty("CAR_0").GetProperty("pending_position").GetInt32()).IsEqualTo(1);
    }

    [Test]
    public async Task A_file_already_in_grid_order_is_rewritten_identically()
    {
        using var f = DemoFolder();
        string text = Bom + Renumbered(Joseph, 0) + "\r\n\r\n" + Renumbered(Callum, 1) + "\r\n" + Renumbered(Henry, 2) + "\r\n";
        File.WriteAllText(f.Cfg("entry_list.ini"), text, new UTF8Encoding(false));
        byte[] original = File.ReadAllBytes(f.Cfg("entry_list.ini"));
        var agent = AgentFor(f);
        await Run("grid finish", agent);
        await Assert.That((await Run("grid save", agent)).ErrorOrNull()).IsNull();
        await Assert.That(File.ReadAllBytes(f.Cfg("entry_list.ini"))).IsEquivalentTo(original, TUnit.Assertions.Enums.CollectionOrdering.Matching);

        // The demo list (LF, no BOM) in finishing order is too.
        using var demo = DemoFolder();
        var demoAgent = AgentFor(demo);
        await Run("grid finish", demoAgent);
        await Run("grid save", demoAgent);
        byte[] finishOrder = File.ReadAllBytes(demo.Cfg("entry_list.ini"));
        await Assert.That(DriversOnDisk(demo)).IsEquivalentTo(DemoFinish, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Run("grid finish", demoAgent);
        await Run("grid save", demoAgent);
        await Assert.That(File.ReadAllBytes(demo.Cfg("entry_list.ini"))).IsEquivalentTo(finishOrder, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task A_file_changed_since_the_grid_was_computed_is_not_written()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        await Run("grid reverse", agent);
        File.AppendAllText(f.Cfg("entry_list.ini"), "; edited by hand\n");
        byte[] edited = File.ReadAllBytes(f.Cfg("entry_list.ini"));
        var r = await Run("grid save", agent);
        await Assert.That(r.ErrorMsg()).IsEqualTo(
            $"cfg/entry_list.ini changed on disk since the grid was computed from {DemoRace}; send 'grid finish' or 'grid reverse' again; nothing was written");
        await Assert.That(File.ReadAllBytes(f.Cfg("entry_list.ini"))).IsEquivalentTo(edited, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(File.Exists(f.Cfg("entry_list.ini.old"))).IsFalse();
        var entries = (await Run("grid entries", agent)).Data();
        await Assert.That(entries.Str("warning")).StartsWith("cfg/entry_list.ini changed on disk");
    }

    [Test]
    public async Task A_crash_between_temp_write_and_rename_leaves_the_old_file()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        byte[] original = File.ReadAllBytes(f.Cfg("entry_list.ini"));
        await Run("grid reverse", agent);
        var r = GridCommands.Save(agent.Rooms.Pending.Grid, agent.Rooms.Folder, agent.Log, beforeRename: () => throw new IOException("simulated crash"));
        await Assert.That(r.Error!.Msg).IsEqualTo("cannot write cfg/entry_list.ini: simulated crash; the file was not changed");
        await Assert.That(File.ReadAllBytes(f.Cfg("entry_list.ini"))).IsEquivalentTo(original, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(Directory.GetFiles(f.PathOf("cfg"), "*.tmp")).IsEmpty();
        // The grid is still pending and a real save then works.
        await Assert.That((await Run("grid save", agent)).ErrorOrNull()).IsNull();
        await Assert.That(DriversOnDisk(f)).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task Saving_while_acserver_runs_says_when_it_takes_effect()
    {
        using var f = DemoFolder();
        var agent = AgentFor(f);
        await using var acServer = await RunningStandIn.StartAsync(agent);
        await Run("grid finish", agent);
        var r = await Run("grid save", agent);
        await Assert.That(r.Data().Str("note")).IsEqualTo("takes effect at the next server start");
    }

    [Test]
    public async Task Reverse_order_save_and_the_pushed_event_over_real_websockets()
    {
        using var f = DemoFolder();
        await using var host = await AgentHost.StartAsync(f.Root);
        await using var organiser = await WsClient.ConnectAsync(host.Port);
        await using var watcher = await WsClient.ConnectAsync(host.Port);

        var reverse = await organiser.AskAsync("grid reverse");
        await Assert.That(reverse.Data().Str("msg")).IsEqualTo($"{DemoRace} parse SUCCESS");
        await Assert.That(Grid(await organiser.AskAsync("grid order"))).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        // Any client sees the same pending grid.
        await Assert.That(Grid(await watcher.AskAsync("grid current"))).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);

        var saved = await organiser.AskAsync("grid save");
        await Assert.That(saved.Data().Str("msg")).IsEqualTo("entry_list.ini file update SUCCESS");
        var pushed = await watcher.ReceiveAsync();
        await Assert.That(pushed.GetRawText()).IsEqualTo("""{"data":{"msg":"entry_list.ini file update SUCCESS","event":true,"topic":"grid"}}""");

        await Assert.That(DriversOnDisk(f)).IsEquivalentTo(DemoReverse, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        var sections = Ini.IniDocument.Load(f.Cfg("entry_list.ini"), "e").Sections();
        await Assert.That(sections).IsEquivalentTo(Enumerable.Range(0, 9).Select(i => $"CAR_{i}").ToList(), TUnit.Assertions.Enums.CollectionOrdering.Matching);
        // The organiser got no echo of the event: its next frame answers its next command.
        await Assert.That((await organiser.AskAsync("grid order")).Data().TryGetProperty("grid", out _)).IsTrue();
    }

    /// <summary>The demo race with <paramref name="laps"/> lap rows added (about 150 bytes each): a big but legal results file.</summary>
    static void WriteBigRace(TempServerFolder f, string name, int laps)
    {
        using var demo = JsonDocument.Parse(File.ReadAllBytes(f.PathOf(DemoRace)));
        using var file = File.Create(f.PathOf("results/" + name));
        using var w = new Utf8JsonWriter(file);
        w.WriteStartObject();
        foreach (var p in demo.RootElement.EnumerateObject().Where(p => p.Name != "Laps")) p.WriteTo(w);
        w.WriteStartArray("Laps");
        for (int i = 0; i < laps; i++)
        {
            w.WriteStartObject();
            w.WriteString("DriverName", "Joseph Elton"); w.WriteString("DriverGuid", "76561198020046073");
            w.WriteNumber("CarId", i % 9); w.WriteString("CarModel", "rss_formula_rss_4"); w.WriteNumber("Timestamp", 1000L * i);
            w.WriteNumber("LapTime", 61000 + i % 977); w.WriteNumber("Cuts", 0); w.WriteString("Tyre", "H");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    [Test]
    public async Task A_results_file_over_16_MiB_is_refused_by_its_size_and_a_big_legal_one_is_read()
    {
        using var f = DemoFolder();
        using (var huge = File.Create(f.PathOf("results/huge.json"))) huge.SetLength(57 * 1000 * 1000);
        var agent = AgentFor(f);
        await Assert.That((await Run("grid finish huge.json", agent)).ErrorMsg())
            .IsEqualTo("results/huge.json parse FAILED: it is 54.4 MiB, over the 16 MiB limit for a results file");
        WriteBigRace(f, "big.json", 100_000);
        await Assert.That(new FileInfo(f.PathOf("results/big.json")).Length).IsGreaterThan(10_000_000);
        await Assert.That(Grid(await Run("grid finish big.json", agent))).IsEquivalentTo(DemoFinish, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task Sixty_clients_finishing_from_a_big_results_file_at_once_keep_acws_under_200_MB()
    {
        using var f = DemoFolder();
        WriteBigRace(f, "big.json", 100_000);
        await using var agent = await AgentProcess.StartAsync(["--dir", f.Root, "--port", "0"]);
        var clients = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => WsClient.ConnectAsync(agent.Port)));
        var replies = await Task.WhenAll(clients.Select(c => c.AskAsync("grid finish big.json", TimeSpan.FromSeconds(120))));
        foreach (var reply in replies) await Assert.That(reply.Data().Str("msg")).IsEqualTo("results/big.json parse SUCCESS");
        // VmHWM: the most resident memory the process ever had.
        string status = File.ReadAllText($"/proc/{agent.Process.Id}/status");
        long peakKb = long.Parse(status.Split('\n').First(l => l.StartsWith("VmHWM:"))[6..].Trim().Split(' ')[0]);
        Console.WriteLine($"acws peak RSS {peakKb / 1024} MiB with 60 clients on a {new FileInfo(f.PathOf("results/big.json")).Length / 1_000_000} MB results file");
        await Assert.That(peakKb).IsLessThan(200 * 1000);
        foreach (var c in clients) await c.DisposeAsync();
    }

    [Test]
    public async Task A_named_pipe_or_folder_named_json_in_results_is_passed_over_and_shutdown_still_completes()
    {
        using var f = DemoFolder();
        // Named as a newer race than the demo's, so the latest-race search meets them first.
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [f.PathOf("results/x.json"), f.PathOf("results/2030_1_1_10_0_RACE.json")]))
            await mkfifo.WaitForExitAsync();
        Directory.CreateDirectory(f.PathOf("results/2030_1_2_10_0_RACE.json"));
        await using var agent = await AgentProcess.StartAsync(["--dir", f.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That((await ws.AskAsync("grid finish")).Data().Str("msg")).IsEqualTo($"{DemoRace} parse SUCCESS");
        await Assert.That((await ws.AskAsync("grid finish x.json")).ErrorMsg())
            .IsEqualTo("results/x.json parse FAILED: cannot read it: it is a named pipe (FIFO), not a regular file");
        await Assert.That((await ws.AskAsync("grid reverse 2030_1_2_10_0_RACE.json")).ErrorMsg()).IsEqualTo("results/2030_1_2_10_0_RACE.json not found");
        await Assert.That((await ws.AskAsync("shutdown now")).Data().Str("msg")).IsEqualTo("acws shutting down");
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(0);
    }
}
