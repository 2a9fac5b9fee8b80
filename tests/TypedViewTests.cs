using AcWs.Ini;
using AcWs.Tests.Support;

namespace AcWs.Tests;

public class TypedViewTests
{
    static IniDocument Load(string name) => IniDocument.Load(Fixtures.Real("cfg/" + name), name);

    [Test]
    public async Task Server_cfg_fields_come_from_the_files_keys()
    {
        var cfg = ServerConfig.From(Load("samuelorenzo_server_cfg.ini"));
        await Assert.That(cfg.Name).IsEqualTo("AC_Server");
        await Assert.That(cfg.Track).IsEqualTo("magione");
        await Assert.That(cfg.Cars).IsEquivalentTo(new[] { "bmw_m3_e30" });
        await Assert.That(cfg.UdpPort).IsEqualTo(9600);
        await Assert.That(cfg.HttpPort).IsEqualTo(8081);
        await Assert.That(cfg.MaxClients).IsEqualTo(18);
        await Assert.That(cfg.RegisterToLobby).IsTrue();
        await Assert.That(cfg.HasAdminPassword).IsTrue();
        await Assert.That(cfg.HasPassword).IsFalse();
        await Assert.That(cfg.Sessions.Select(s => $"{s.Section}:{s.Time}:{s.Laps}")).IsEquivalentTo(new[] { "PRACTICE:10:0", "QUALIFY:10:0", "RACE:0:5" });
    }

    [Test]
    [MethodDataSource(typeof(Fixtures), nameof(Fixtures.ServerCfgs))]
    public async Task Every_real_server_cfg_has_a_typed_view(string name)
    {
        var cfg = ServerConfig.From(Load(name));
        await Assert.That(cfg.Track).IsNotEmpty();
        await Assert.That(cfg.Cars.Count).IsGreaterThan(0);
        await Assert.That(cfg.Sessions.Count).IsGreaterThan(0);
    }

    [Test]
    public async Task Content_manager_track_paths_and_tyre_lists_are_read_as_written()
    {
        var cfg = ServerConfig.From(Load("sezynex_preset_GTA4_server_cfg.ini"));
        await Assert.That(cfg.Track).IsEqualTo("csp/3898/../D/../gta4");
        var pipe = ServerConfig.From(Load("pipewe11_server_cfg.ini"));
        await Assert.That(pipe.Sessions.Any(s => s.Section == "PRACTICE")).IsFalse();
    }

    [Test]
    public async Task Entry_list_slots_keep_file_order_and_unknown_keys()
    {
        var slots = EntryList.From(Load("ilcoups_entry_list.ini"));
        await Assert.That(slots.Count).IsEqualTo(54);
        await Assert.That(slots[0].Section).IsEqualTo("CAR_0");
        await Assert.That(slots[0].All.Select(kv => kv.Key)).Contains("AI");
        await Assert.That(slots[0].Skin).Contains("/ADA");
        var samuel = EntryList.From(Load("samuelorenzo_entry_list.ini"));
        await Assert.That(samuel.Count).IsEqualTo(22);
        await Assert.That(samuel[0].Ballast).IsEqualTo("");
        await Assert.That(samuel.Select(s => s.Index)).IsEquivalentTo(Enumerable.Range(0, 22));
    }

    [Test]
    public async Task A_non_number_where_a_number_belongs_names_the_line()
    {
        var doc = IniDocument.Parse("[SERVER]\nNAME=x\nUDP_PORT=abc\n"u8, "cfg/server_cfg.ini");
        var e = Assert.Throws<IniParseException>(() => ServerConfig.From(doc));
        await Assert.That(e!.Message).IsEqualTo("cfg/server_cfg.ini line 3: [SERVER] UDP_PORT must be a whole number, found 'abc'");
    }
}
