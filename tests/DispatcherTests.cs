using System.Text.Json;
using AcWs.Commands;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>The command table and dispatcher called directly: (line, state) → reply.</summary>
public class DispatcherTests
{
    static async Task<JsonElement> Run(string line, TempServerFolder folder)
    {
        var agent = new Agent(new Options { Dir = folder.Root }, new ServerFolder(folder.Root), TextWriter.Null);
        var reply = await Dispatcher.RunAsync(line, agent.Rooms);
        return JsonDocument.Parse(reply.ToJson()).RootElement.Clone();
    }

    [Test]
    public async Task Unknown_command_suggests_the_nearest_one()
    {
        using var f = new TempServerFolder();
        var r = await Run("server infp", f);
        await Assert.That(r.ErrorMsg()).IsEqualTo("unknown command 'server infp' — did you mean 'server info'? send 'help' for the list");
        var far = await Run("make coffee", f);
        await Assert.That(far.ErrorMsg()).IsEqualTo("unknown command 'make coffee'; send 'help' for the list");
    }

    [Test]
    public async Task A_first_word_alone_lists_what_can_follow_it()
    {
        using var f = new TempServerFolder();
        var r = await Run("server", f);
        await Assert.That(r.ErrorMsg()).StartsWith("'server' needs more words: server info, server entries");
    }

    [Test]
    public async Task Wrong_arity_gets_the_usage_from_the_row()
    {
        using var f = new TempServerFolder();
        var r = await Run("server info now please", f);
        await Assert.That(r.ErrorMsg()).IsEqualTo("wrong number of arguments for 'server info': usage 'server info'");
    }

    [Test]
    public async Task Words_match_case_insensitively()
    {
        using var f = new TempServerFolder();
        var r = await Run("  Server   INFO ", f);
        await Assert.That(r.Data().GetProperty("server").Str("track")).IsEqualTo("magione");
    }

    [Test]
    public async Task Help_lists_every_row_of_the_table()
    {
        using var f = new TempServerFolder();
        var commands = (await Run("help", f)).Data().GetProperty("commands");
        await Assert.That(commands.EnumerateObject().Count()).IsEqualTo(CommandTable.Rows.Length);
        await Assert.That(commands.Str("server info")).IsEqualTo("shows a summary of the server");
        foreach (var row in CommandTable.Rows)
            await Assert.That(commands.TryGetProperty(row.Usage, out _)).IsTrue();
    }

    [Test]
    public async Task Every_row_is_reachable_and_aliases_point_at_real_rows()
    {
        var words = CommandTable.Rows.Select(r => r.Words).ToList();
        await Assert.That(words.Distinct().Count()).IsEqualTo(words.Count);
        foreach (var row in CommandTable.Rows)
        {
            await Assert.That(Dispatcher.Find(row.WordList)).IsEqualTo(row);
            if (row.AliasOf is not null) await Assert.That(words).Contains(row.AliasOf);
        }
    }

    [Test]
    public async Task A_missing_file_is_an_error_naming_it()
    {
        using var f = new TempServerFolder(entryList: null);
        var r = await Run("server entries", f);
        await Assert.That(r.ErrorMsg()).StartsWith("cfg/entry_list.ini not found in ");
    }

    [Test]
    public async Task A_malformed_file_is_an_error_naming_file_and_line()
    {
        using var f = new TempServerFolder();
        File.WriteAllText(f.Cfg("server_cfg.ini"), "[SERVER]\nNAME=x\n[RACE\nLAPS=3\n");
        var r = await Run("server sessions", f);
        await Assert.That(r.ErrorMsg()).IsEqualTo("cfg/server_cfg.ini line 3: section header has no closing ']'");
    }

    [Test]
    public async Task Server_entries_has_the_originals_shape()
    {
        using var f = new TempServerFolder();
        var entries = (await Run("server entries", f)).Data().GetProperty("entries");
        await Assert.That(entries.EnumerateObject().Count()).IsEqualTo(22);
        var car1 = entries.GetProperty("CAR_1");
        await Assert.That(string.Join(",", car1.EnumerateObject().Select(p => p.Name)))
            .IsEqualTo("car_id,model,skin,spectator_mode,drivername,team,guid,ballast,restrictor");
        await Assert.That(car1.Str("car_id")).IsEqualTo("CAR_1");
        await Assert.That(car1.Str("skin")).IsEqualTo("Brilliant_red");
        await Assert.That(car1.Str("ballast")).IsEqualTo("0");
        await Assert.That(entries.GetProperty("CAR_0").Str("ballast")).IsEqualTo("");
    }

    [Test]
    public async Task Server_sessions_gives_laps_and_time_as_numbers()
    {
        using var f = new TempServerFolder();
        var s = (await Run("server sessions", f)).Data().GetProperty("sessions");
        await Assert.That(string.Join(",", s.EnumerateObject().Select(p => p.Name))).IsEqualTo("Practice,Qualify,Race");
        await Assert.That(s.GetProperty("Race").GetProperty("laps").GetInt32()).IsEqualTo(5);
        await Assert.That(s.GetProperty("Race").GetProperty("time").GetInt32()).IsEqualTo(0);
        await Assert.That(s.GetProperty("Practice").GetProperty("time").GetInt32()).IsEqualTo(10);
        await Assert.That(s.GetProperty("Practice").Str("type")).IsEqualTo("Practice");
    }

    [Test]
    public async Task Server_info_never_echoes_a_password()
    {
        using var f = new TempServerFolder();
        var r = await Run("server info", f);
        await Assert.That(r.GetRawText()).DoesNotContain("mypassword");
        var server = r.Data().GetProperty("server");
        await Assert.That(server.GetProperty("has_admin_password").GetBoolean()).IsTrue();
        await Assert.That(server.GetProperty("udp_port").GetInt32()).IsEqualTo(9600);
        await Assert.That(server.GetProperty("cars")[0].GetString()).IsEqualTo("bmw_m3_e30");
        await Assert.That(server.GetProperty("running").GetBoolean()).IsFalse();
    }
}

/// <summary>Every type that can be a reply's data or a pushed payload is in the one JSON context (a missing one would fail only at run time).</summary>
public class WireContextTests
{
    public static IEnumerable<string> WireTypes() =>
        typeof(IWireData).Assembly.GetTypes().Where(t => typeof(IWireData).IsAssignableFrom(t) && !t.IsInterface).Select(t => t.FullName!).Order();

    [Test]
    public async Task There_are_wire_types() => await Assert.That(WireTypes().Count()).IsGreaterThan(20);

    [Test]
    [MethodDataSource(nameof(WireTypes))]
    public async Task Each_wire_type_is_in_the_json_context(string name)
    {
        var type = typeof(IWireData).Assembly.GetType(name)!;
        await Assert.That(WireJson.Default.GetTypeInfo(type)).IsNotNull();
    }
}
