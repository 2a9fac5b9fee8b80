using System.Text;
using AcWs.Ini;
using AcWs.Tests.Support;

namespace AcWs.Tests;

public class IniTests
{
    static IniDocument Parse(string text) => IniDocument.Parse(Encoding.UTF8.GetBytes(text), "test.ini");
    static string Text(IniDocument d) => Encoding.UTF8.GetString(d.ToBytes());

    [Test]
    [MethodDataSource(typeof(Fixtures), nameof(Fixtures.AllIni))]
    public async Task Every_real_file_round_trips_byte_for_byte(string name)
    {
        var bytes = File.ReadAllBytes(Fixtures.Real("cfg/" + name));
        var doc = IniDocument.Parse(bytes, name);
        await Assert.That(doc.ToBytes().SequenceEqual(bytes)).IsTrue();
    }

    /// <summary>inih-style baselines: each real file's parsed view, dumped beside it in tests/baselines.</summary>
    [Test]
    [MethodDataSource(typeof(Fixtures), nameof(Fixtures.AllIni))]
    public async Task Every_real_file_matches_its_baseline_dump(string name)
    {
        var doc = IniDocument.Load(Fixtures.Real("cfg/" + name), name);
        var dump = new StringBuilder();
        foreach (var section in doc.Sections())
        {
            dump.Append('[').Append(section).Append("]\n");
            foreach (var (k, v) in doc.Entries(section)) dump.Append(k).Append(" = <").Append(v).Append(">\n");
        }
        string baseline = Path.Combine(Baselines.Dir, name + ".dump");
        if (Environment.GetEnvironmentVariable("ACWS_UPDATE_BASELINES") == "1") File.WriteAllText(baseline, dump.ToString());
        await Assert.That(dump.ToString()).IsEqualTo(File.ReadAllText(baseline));
    }

    [Test]
    [MethodDataSource(typeof(Fixtures), nameof(Fixtures.ServerCfgs))]
    public async Task Setting_a_value_changes_exactly_that_line(string name)
    {
        var before = File.ReadAllBytes(Fixtures.Real("cfg/" + name));
        var doc = IniDocument.Parse(before, name);
        doc.Set("server", "name", "Edited Name");
        var after = doc.ToBytes();
        var a = Encoding.UTF8.GetString(before).Split('\n');
        var b = Encoding.UTF8.GetString(after).Split('\n');
        await Assert.That(b.Length).IsEqualTo(a.Length);
        var changed = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToList();
        await Assert.That(changed.Count).IsEqualTo(1);
        await Assert.That(b[changed[0]].TrimEnd('\r')).IsEqualTo("NAME=Edited Name");
        await Assert.That(IniDocument.Parse(after, name).Get("SERVER", "NAME")).IsEqualTo("Edited Name");
    }

    [Test]
    public async Task Lookups_ignore_case_and_keep_the_files_spelling()
    {
        var doc = Parse("[Server]\nName = My Server\nCars=a;b\n");
        await Assert.That(doc.Get("SERVER", "NAME")).IsEqualTo("My Server");
        await Assert.That(doc.Get("server", "cars")).IsEqualTo("a;b");
        doc.Set("SERVER", "NAME", "Other");
        await Assert.That(Text(doc)).IsEqualTo("[Server]\nName = Other\nCars=a;b\n");
    }

    /// <summary>acServer reads a value to the end of its line: there are no inline comments in AC's files.</summary>
    [Test]
    [Arguments("Lega Corsa #1 - [ 90s DTM - Thursday is RACE DAY] - www.legacorsa.com")]
    [Arguments("Sunday Cup ; round 3 # of 10")]
    [Arguments("#1 ;first")]
    public async Task A_value_is_the_whole_rest_of_its_line(string name)
    {
        var doc = Parse($"; a comment line\n# another\n[SERVER]\nNAME= {name}  \nCARS=a;b\n");
        await Assert.That(doc.Get("SERVER", "NAME")).IsEqualTo(name);
        await Assert.That(doc.Lines.Count(l => l.Kind == IniLineKind.Comment)).IsEqualTo(2);
        doc.Set("SERVER", "CARS", "c");
        await Assert.That(doc.Get("SERVER", "NAME")).IsEqualTo(name);
        await Assert.That(Text(doc)).IsEqualTo($"; a comment line\n# another\n[SERVER]\nNAME= {name}  \nCARS=c\n");
    }

    [Test]
    public async Task Bom_crlf_and_a_missing_final_newline_survive_edits()
    {
        byte[] bom = [0xEF, 0xBB, 0xBF];
        var doc = IniDocument.Parse([.. bom, .. "[A]\r\nX=1\r\nY=2"u8], "t.ini");
        doc.Set("A", "Y", "3");
        doc.Set("A", "Z", "4");
        await Assert.That(doc.ToBytes().SequenceEqual(bom.Concat("[A]\r\nX=1\r\nY=3\r\nZ=4"u8.ToArray()))).IsTrue();
    }

    [Test]
    public async Task A_new_key_follows_the_sections_last_entry_in_the_files_style()
    {
        var doc = Parse("; head\n[a]\nk = 1\n\n; about b\n[b]\nq = 2\n");
        doc.Set("a", "new", "x");
        await Assert.That(Text(doc)).IsEqualTo("; head\n[a]\nk = 1\nnew = x\n\n; about b\n[b]\nq = 2\n");
    }

    [Test]
    public async Task Repeated_keys_and_blank_values_are_tolerated()
    {
        var doc = Parse("[CAR_0]\nBALLAST=\nMODEL=a\nMODEL=b\n");
        await Assert.That(doc.Get("CAR_0", "BALLAST")).IsEqualTo("");
        await Assert.That(doc.Get("CAR_0", "MODEL")).IsEqualTo("a");
        await Assert.That(doc.Entries("CAR_0").Count).IsEqualTo(2);
    }

    [Test]
    [Arguments("[SERVER\nNAME=x\n", 1, "closing ']'")]
    [Arguments("[SERVER]\nNAME=x\njust some words\n", 3, "expected KEY=VALUE")]
    [Arguments("[SERVER]\r\n=value\r\n", 2, "no key")]
    [Arguments("[]\n", 1, "empty section")]
    [Arguments("[A] trailing\n", 1, "unexpected text")]
    public async Task A_malformed_line_is_reported_with_file_and_line(string text, int line, string reason)
    {
        var e = Assert.Throws<IniParseException>(() => Parse(text));
        await Assert.That(e!.Line).IsEqualTo(line);
        await Assert.That(e.Message).Contains("test.ini line " + line);
        await Assert.That(e.Message).Contains(reason);
    }

    [Test]
    public async Task Invalid_utf8_is_kept_byte_for_byte()
    {
        byte[] bytes = [.. "[SERVER]\nNAME=Caf"u8, 0xE9, .. "\n"u8];
        var doc = IniDocument.Parse(bytes, "latin.ini");
        await Assert.That(doc.Get("SERVER", "NAME")).IsEqualTo("Café");
        await Assert.That(doc.ToBytes().SequenceEqual(bytes)).IsTrue();
    }

    [Test]
    public async Task Removing_a_section_takes_its_comments_and_leaves_the_rest()
    {
        var doc = Parse("[A]\nx=1\n\n; about B\n[B]\ny=2\n\n; about C\n[C]\nz=3\n");
        await Assert.That(doc.RemoveSection("b")).IsTrue();
        await Assert.That(Text(doc)).IsEqualTo("[A]\nx=1\n\n; about C\n[C]\nz=3\n");
        await Assert.That(doc.RemoveSection("C")).IsTrue();
        await Assert.That(Text(doc)).IsEqualTo("[A]\nx=1\n");
    }

    [Test]
    public async Task An_added_section_goes_after_the_anchor_with_a_blank_line()
    {
        var doc = Parse("[SERVER]\r\nNAME=x\r\n\r\n[RACE]\r\nLAPS=5\r\n\r\n[WEATHER_0]\r\nGRAPHICS=3_clear\r\n");
        doc.AddSection("QUALIFY", [new("NAME", "Qualify"), new("TIME", "10")], after: ["PRACTICE", "RACE"]);
        await Assert.That(Text(doc)).IsEqualTo(
            "[SERVER]\r\nNAME=x\r\n\r\n[RACE]\r\nLAPS=5\r\n\r\n[QUALIFY]\r\nNAME=Qualify\r\nTIME=10\r\n\r\n[WEATHER_0]\r\nGRAPHICS=3_clear\r\n");
    }

    /// <summary>Random input (ini-shaped and raw bytes) never throws anything but our parse error, and what parses round-trips.</summary>
    [Test]
    public async Task Random_input_only_ever_throws_our_parse_error()
    {
        var random = new Random(20261125);
        string[] pieces = ["[", "]", "=", ";", "#", " ", "\t", "\r\n", "\n", "\r", "KEY", "value", "[SERVER]", "CAR_0", "é", "\uFEFF", "\0", "a;b"];
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 3000; i++)
        {
            byte[] input;
            if (i % 3 == 0)
            {
                input = new byte[random.Next(0, 200)];
                random.NextBytes(input);
            }
            else
            {
                var sb = new StringBuilder();
                for (int n = random.Next(0, 40); n > 0; n--) sb.Append(pieces[random.Next(pieces.Length)]);
                input = Encoding.UTF8.GetBytes(sb.ToString());
            }
            try
            {
                var doc = IniDocument.Parse(input, "random.ini");
                if (!doc.ToBytes().SequenceEqual(input)) throw new Exception("round trip failed for input " + Convert.ToHexString(input));
                foreach (var s in doc.Sections()) doc.Entries(s);
                parsed++;
            }
            catch (IniParseException) { rejected++; }
        }
        await Assert.That(parsed).IsGreaterThan(100);
        await Assert.That(rejected).IsGreaterThan(100);
    }
}

static class Baselines
{
    public static string Dir
    {
        get
        {
            // The baselines live in the source tree (tests/baselines), found from the test binary's folder.
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "baselines"))) dir = dir.Parent;
            return dir is null ? throw new DirectoryNotFoundException("tests/baselines") : Path.Combine(dir.FullName, "baselines");
        }
    }
}
