using System.Text;
using System.Text.Json;
using AcWs.Commands;
using AcWs.Ini;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// <c>server session …</c> and <c>server configuration show|write|discard</c> over the real server_cfg.ini files:
/// each edit, once written, changes exactly the lines a plain line-list edit predicts, byte for byte.
/// </summary>
public class SessionConfigTests
{
    const string Cfg = "cfg/server_cfg.ini";
    static readonly string[] Sessions = ["PRACTICE", "QUALIFY", "RACE", "BOOKING"];
    static readonly string[] Edits = ["enable", "disable", "laps 12", "time 25", "wait 90", "open 2"];

    /// <summary>A temp server folder and an agent over it, called through the dispatcher.</summary>
    sealed class Bench : IDisposable
    {
        public TempServerFolder Folder { get; }
        public Agent Agent { get; }

        public Bench(string serverCfg = "samuelorenzo_server_cfg.ini")
        {
            Folder = new TempServerFolder(serverCfg, entryList: null);
            Agent = new Agent(new Options { Dir = Folder.Root }, new ServerFolder(Folder.Root), TextWriter.Null);
        }

        public async Task<JsonElement> Run(string line) => Parse(await Dispatcher.RunAsync(line, Agent.Rooms));
        public async Task<Reply> Raw(string line) => await Dispatcher.RunAsync(line, Agent.Rooms);
        public static JsonElement Parse(Reply reply) => JsonDocument.Parse(reply.ToJson()).RootElement.Clone();

        public string CfgPath => Folder.Cfg("server_cfg.ini");
        public byte[] Bytes => File.ReadAllBytes(CfgPath);
        public string LogsDir => Folder.PathOf("logs/acws");
        public void Dispose() => Folder.Dispose();
    }

    public static IEnumerable<(string Fixture, string Session, string Edit)> EveryEdit() =>
        from f in Fixtures.ServerCfgs() from s in Sessions from e in Edits select (f, s, e);

    // ---- the expected file, from plain edits of its line list (each line keeps its ending) ----

    /// <summary>Every line with its ending; Latin-1 maps each byte to one char, so equal lists mean equal bytes.</summary>
    static List<string> LinesOf(byte[] bytes)
    {
        string text = Encoding.Latin1.GetString(bytes);
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }

    static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
    static string Body(string line) => line.TrimEnd('\r', '\n');
    static string Eol(List<string> lines) => lines[0][Body(lines[0]).Length..];
    static string? Header(string line) => Body(line).Trim() is ['[', .. var rest] ? rest[..rest.IndexOf(']')] : null;
    static bool IsComment(string line) => Body(line).TrimStart() is [';' or '#', ..];
    static bool IsEntry(string line) => Body(line).Trim().Length > 0 && !IsComment(line) && Header(line) is null;
    static string KeyOf(string line) => Body(line).Split('=')[0].Trim();

    static int HeaderIndex(List<string> lines, string section) =>
        lines.FindIndex(l => string.Equals(Header(l), section, StringComparison.OrdinalIgnoreCase));

    static int SectionEnd(List<string> lines, int header)
    {
        int end = header + 1;
        while (end < lines.Count && Header(lines[end]) is null) end++;
        return end;
    }

    static int LastEntry(List<string> lines, int header)
    {
        int last = header;
        for (int i = header + 1; i < SectionEnd(lines, header); i++) if (IsEntry(lines[i])) last = i;
        return last;
    }

    static void SetOrAdd(List<string> lines, string section, string key, string value)
    {
        int header = HeaderIndex(lines, section);
        for (int i = header + 1; i < SectionEnd(lines, header); i++)
        {
            if (!IsEntry(lines[i]) || !KeyOf(lines[i]).Equals(key, StringComparison.OrdinalIgnoreCase)) continue;
            string body = Body(lines[i]);
            lines[i] = body[..(body.IndexOf('=') + 1)] + value + lines[i][body.Length..];
            return;
        }
        lines.Insert(LastEntry(lines, header) + 1, key + "=" + value + Eol(lines));
    }

    static void RemoveKey(List<string> lines, string section, string key)
    {
        int header = HeaderIndex(lines, section);
        for (int i = SectionEnd(lines, header) - 1; i > header; i--)
            if (IsEntry(lines[i]) && KeyOf(lines[i]).Equals(key, StringComparison.OrdinalIgnoreCase)) lines.RemoveAt(i);
    }

    static void AddSection(List<string> lines, string section)
    {
        string eol = Eol(lines);
        int lastSession = -1;
        for (int i = 0; i < lines.Count; i++)
            if (Header(lines[i]) is string h && Sessions.Contains(h, StringComparer.OrdinalIgnoreCase)) lastSession = i;
        int at = lastSession < 0 ? lines.Count : LastEntry(lines, lastSession) + 1;
        string[] entries = section == "RACE"
            ? ["NAME=Race", "LAPS=10", "WAIT_TIME=60", "IS_OPEN=1"]
            : ["NAME=" + section[0] + section[1..].ToLowerInvariant(), "TIME=10", "IS_OPEN=1"];
        lines.InsertRange(at, new[] { "", "[" + section + "]" }.Concat(entries).Select(l => l + eol));
    }

    static void RemoveSection(List<string> lines, string section)
    {
        int header = HeaderIndex(lines, section);
        int first = header;
        while (first > 0 && IsComment(lines[first - 1])) first--;
        int end = SectionEnd(lines, header);
        while (end > header + 1 && IsComment(lines[end - 1])) end--;
        bool wasLast = end == lines.Count;
        lines.RemoveRange(first, end - first);
        if (wasLast) while (lines.Count > 1 && Body(lines[^1]).Trim().Length == 0) lines.RemoveAt(lines.Count - 1);
    }

    // ---- each edit over every real server_cfg.ini ----

    [Test]
    [MethodDataSource(nameof(EveryEdit))]
    public async Task Each_edit_changes_exactly_its_lines(string fixture, string session, string edit)
    {
        using var b = new Bench(fixture);
        var before = LinesOf(b.Bytes);
        bool present = HeaderIndex(before, session) >= 0;
        string option = edit.Split(' ')[0];
        string value = edit.Split(' ').Skip(1).FirstOrDefault() ?? "";
        var expected = new List<string>(before);
        string? expectedError = null;

        if (option == "enable") { if (!present) AddSection(expected, session); }
        else if (option == "disable") { if (present) RemoveSection(expected, session); }
        else if (option == "laps" && session != "RACE") expectedError = $"laps only applies to the race; {session} is timed";
        else if (!present) expectedError = $"{session} is not enabled: send 'server session {session.ToLowerInvariant()} enable' first";
        else
        {
            string key = option switch { "laps" => "LAPS", "time" => "TIME", "wait" => "WAIT_TIME", _ => "IS_OPEN" };
            SetOrAdd(expected, session, key, value);
            if (session == "RACE" && option == "laps") RemoveKey(expected, session, "TIME");
            if (session == "RACE" && option == "time") RemoveKey(expected, session, "LAPS");
        }

        // Mixed case on purpose: session names and options match case-insensitively.
        string typed = session[0] + session[1..].ToLowerInvariant();
        var reply = await b.Run($"server session {typed} {edit.ToUpperInvariant()}");
        if (expectedError is not null)
        {
            await Assert.That(reply.ErrorMsg()).StartsWith(expectedError);
        }
        else
        {
            await Assert.That(reply.ErrorOrNull()).IsNull();
            var pending = reply.Data().GetProperty("pending");
            bool nowPresent = option == "enable" || (option != "disable" && present);
            await Assert.That(pending.TryGetProperty(typed, out _)).IsEqualTo(nowPresent);
        }

        var write = await b.Run("server configuration write");
        var after = LinesOf(b.Bytes);
        await Assert.That(string.Concat(after)).IsEqualTo(string.Concat(expected));
        await Assert.That(after.Count).IsEqualTo(expected.Count);
        bool changed = !before.SequenceEqual(expected);
        await Assert.That(write.Data().Str("msg")).IsEqualTo(changed ? "Wrote cfg/server_cfg.ini" : "nothing pending: cfg/server_cfg.ini was not touched");
        // The written file still reads as the same configuration everywhere else.
        await Assert.That((await b.Run("server info")).ErrorOrNull()).IsNull();
    }

    [Test]
    [MethodDataSource(typeof(Fixtures), nameof(Fixtures.ServerCfgs))]
    public async Task Enabling_then_disabling_a_new_session_leaves_nothing_pending(string fixture)
    {
        using var b = new Bench(fixture);
        var before = b.Bytes;
        foreach (var session in Sessions.Where(s => HeaderIndex(LinesOf(before), s) < 0))
        {
            await b.Run($"server session {session} enable");
            await Assert.That(b.Agent.Rooms.Pending.Config.Current).IsNotNull();
            await b.Run($"server session {session} disable");
            await Assert.That(b.Agent.Rooms.Pending.Config.Current).IsNull();
        }
    }

    [Test]
    public async Task The_success_messages_say_what_changed()
    {
        using var b = new Bench("justapenguin-pr491_server_cfg.ini");
        await Assert.That((await b.Run("server session booking enable")).Data().Str("msg")).IsEqualTo("Enabled BOOKING");
        await Assert.That((await b.Run("server session booking enable")).Data().Str("msg")).IsEqualTo("BOOKING is already enabled");
        await Assert.That((await b.Run("server session race laps 12")).Data().Str("msg")).IsEqualTo("Set RACE LAPS=12, removed TIME");
        await Assert.That((await b.Run("server session race time 30")).Data().Str("msg")).IsEqualTo("Set RACE TIME=30, removed LAPS");
        await Assert.That((await b.Run("server session qualify time 15")).Data().Str("msg")).IsEqualTo("Set QUALIFY TIME=15");
        await Assert.That((await b.Run("server session race wait 0")).Data().Str("msg")).IsEqualTo("Set RACE WAIT_TIME=0");
        await Assert.That((await b.Run("server session race open 0")).Data().Str("msg")).IsEqualTo("Set RACE IS_OPEN=0");
        await Assert.That((await b.Run("server session practice disable")).Data().Str("msg")).IsEqualTo("Disabled PRACTICE");
        var again = (await b.Run("server session practice disable")).Data();
        await Assert.That(again.Str("msg")).IsEqualTo("PRACTICE is already disabled");
        var race = again.GetProperty("pending").GetProperty("Race");
        await Assert.That(race.GetProperty("time").GetInt32()).IsEqualTo(30);
        await Assert.That(race.GetProperty("laps").GetInt32()).IsEqualTo(0);
        await Assert.That(race.GetProperty("is_open").GetInt32()).IsEqualTo(0);
        await Assert.That(string.Join(",", again.GetProperty("pending").EnumerateObject().Select(p => p.Name))).IsEqualTo("Booking,Qualify,Race");
    }

    // ---- bad input ----

    [Test]
    [Arguments("server session sprint enable", "unknown session 'sprint': use practice, qualify, race or booking")]
    [Arguments("server session race lapz 5", "unknown option 'lapz' for 'server session race': use enable, disable, laps, time, wait or open")]
    [Arguments("server session race laps", "wrong number of arguments for 'server session race laps': usage 'server session race laps <laps>'")]
    [Arguments("server session race enable now", "wrong number of arguments for 'server session race enable': usage 'server session race enable'")]
    [Arguments("server session race", "wrong number of arguments for 'server session': usage 'server session <session> <enable|disable|laps|time|wait|open> [N]'")]
    [Arguments("server session race laps 0", "laps must be a whole number from 1 to 999, got '0'")]
    [Arguments("server session race laps 1000", "laps must be a whole number from 1 to 999, got '1000'")]
    [Arguments("server session race laps -3", "laps must be a whole number from 1 to 999, got '-3'")]
    [Arguments("server session race laps 2.5", "laps must be a whole number from 1 to 999, got '2.5'")]
    [Arguments("server session race laps ten", "laps must be a whole number from 1 to 999, got 'ten'")]
    [Arguments("server session race laps 99999999999", "laps must be a whole number from 1 to 999, got '99999999999'")]
    [Arguments("server session qualify time 0", "time must be a whole number of minutes from 1 to 1440, got '0'")]
    [Arguments("server session qualify time 1441", "time must be a whole number of minutes from 1 to 1440, got '1441'")]
    [Arguments("server session race wait 3601", "wait must be a whole number of seconds from 0 to 3600, got '3601'")]
    [Arguments("server session race open 3", "open must be 0 (closed), 1 (open) or 2 (open until 20 seconds before the start), got '3'")]
    [Arguments("server session practice laps 5", "laps only applies to the race; PRACTICE is timed: use 'server session practice time <minutes>'")]
    [Arguments("server session booking time 5", "BOOKING is not enabled: send 'server session booking enable' first")]
    public async Task Bad_input_gets_a_clear_error_and_nothing_becomes_pending(string line, string error)
    {
        using var b = new Bench();
        await Assert.That((await b.Run(line)).ErrorMsg()).IsEqualTo(error);
        await Assert.That(b.Agent.Rooms.Pending.Config.Current).IsNull();
    }

    [Test]
    public async Task A_failed_edit_keeps_the_edits_before_it()
    {
        using var b = new Bench();
        await b.Run("server session race laps 12");
        var pending = b.Agent.Rooms.Pending.Config.Current;
        await Assert.That((await b.Run("server session race laps 0")).IsError()).IsTrue();
        await Assert.That(b.Agent.Rooms.Pending.Config.Current).IsSameReferenceAs(pending);
    }

    // ---- show, write, discard ----

    [Test]
    public async Task Show_gives_the_pending_sessions_and_a_diff_against_disk()
    {
        using var b = new Bench();
        var nothing = (await b.Run("server configuration show")).Data();
        await Assert.That(nothing.Str("diff")).IsEqualTo("");
        await Assert.That(nothing.Str("msg")).IsEqualTo("nothing pending: cfg/server_cfg.ini is as on disk");

        await b.Run("server session race laps 12");
        var show = (await b.Run("server configuration show")).Data();
        await Assert.That(show.GetProperty("pending").GetProperty("Race").GetProperty("laps").GetInt32()).IsEqualTo(12);
        var diff = show.Str("diff").Split('\n');
        await Assert.That(diff[0]).IsEqualTo("--- cfg/server_cfg.ini");
        await Assert.That(diff[1]).IsEqualTo("+++ cfg/server_cfg.ini (pending)");
        await Assert.That(diff[2]).IsEqualTo("@@ -49,7 +49,7 @@");
        await Assert.That(string.Join("|", diff.Where(l => l.StartsWith('-') || l.StartsWith('+')).Skip(2))).IsEqualTo("-LAPS=5|+LAPS=12");
        // The file on disk is untouched until written.
        var disk = (await b.Run("server sessions")).Data().GetProperty("sessions").GetProperty("Race");
        await Assert.That(disk.GetProperty("laps").GetInt32()).IsEqualTo(5);
    }

    [Test]
    public async Task An_added_section_shows_as_one_block_in_the_diff()
    {
        using var b = new Bench();
        await b.Run("server session booking enable");
        var diff = (await b.Run("server configuration show")).Data().Str("diff").Split('\n');
        var changed = diff.Skip(2).Where(l => l.StartsWith('-') || l.StartsWith('+')).ToArray();
        await Assert.That(string.Join("|", changed)).IsEqualTo("+[BOOKING]|+NAME=Booking|+TIME=10|+IS_OPEN=1|+");
        int first = Array.IndexOf(diff, "+[BOOKING]");
        await Assert.That(diff[first - 2]).IsEqualTo(" IS_OPEN=1");
        await Assert.That(diff[first - 1]).IsEqualTo(" ");
        await Assert.That(diff[first + 4]).IsEqualTo("+");
        await Assert.That(diff[first + 5]).IsEqualTo(" [DYNAMIC_TRACK]");
    }

    [Test]
    public async Task Write_keeps_the_old_file_and_a_timestamped_copy()
    {
        using var b = new Bench("pipewe11_server_cfg.ini");
        var original = b.Bytes;
        await b.Run("server session practice enable");
        await b.Run("server session race laps 7");
        var pending = b.Agent.Rooms.Pending.Config.Current!.Edited;

        var written = (await b.Run("server configuration write")).Data();
        await Assert.That(written.Str("msg")).IsEqualTo("Wrote cfg/server_cfg.ini");
        await Assert.That(written.TryGetProperty("note", out _)).IsFalse();
        var sessions = written.GetProperty("server").GetProperty("sessions");
        await Assert.That(string.Join(",", sessions.EnumerateObject().Select(p => p.Name))).IsEqualTo("Practice,Qualify,Race");
        await Assert.That(sessions.GetProperty("Race").GetProperty("laps").GetInt32()).IsEqualTo(7);

        await Assert.That(Hex(b.Bytes)).IsEqualTo(Hex(pending));
        await Assert.That(Hex(File.ReadAllBytes(b.CfgPath + ".old"))).IsEqualTo(Hex(original));
        var copies = Directory.GetFiles(b.LogsDir);
        await Assert.That(copies.Length).IsEqualTo(1);
        await Assert.That(Path.GetFileName(copies[0])).Matches(@"^server_cfg-\d{8}-\d{6}\.ini$");
        await Assert.That(Hex(File.ReadAllBytes(copies[0]))).IsEqualTo(Hex(original));
        await Assert.That(b.Agent.Rooms.Pending.Config.Current).IsNull();

        // A second write keeps the first written file as .old, and a second timestamped copy.
        await b.Run("server session race laps 8");
        await b.Run("server configuration write");
        await Assert.That(Hex(File.ReadAllBytes(b.CfgPath + ".old"))).IsEqualTo(Hex(pending));
        await Assert.That(Directory.GetFiles(b.LogsDir).Length).IsEqualTo(2);
    }

    /// <summary>
    /// An edit made after the file changed on disk applies to the file as it is now and says which earlier edits
    /// were dropped: never "Set RACE LAPS=5" while the write then finds nothing pending and the disk keeps another value.
    /// </summary>
    [Test]
    public async Task An_edit_after_the_file_changed_on_disk_starts_from_the_new_file_and_says_what_was_dropped()
    {
        using var b = new Bench();
        await b.Run("server session race laps 12");
        File.WriteAllText(b.CfgPath, File.ReadAllText(b.CfgPath).Replace("LAPS=5\r\n", "LAPS=971\r\n"));
        var edit = (await b.Run("server session race laps 5")).Data();
        await Assert.That(edit.Str("msg")).IsEqualTo("Set RACE LAPS=5");
        await Assert.That(edit.Str("warning")).IsEqualTo("cfg/server_cfg.ini changed on disk, so it was re-read and the pending edits were dropped: Set RACE LAPS=12");
        await Assert.That((await b.Run("server configuration write")).Data().Str("msg")).IsEqualTo("Wrote cfg/server_cfg.ini");
        await Assert.That(Encoding.ASCII.GetString(b.Bytes)).Contains("LAPS=5\r\n");
        await Assert.That(Encoding.ASCII.GetString(b.Bytes)).DoesNotContain("LAPS=971");
    }

    /// <summary>Two clients editing and writing at once: every write lands or finds nothing left to write; none is refused.</summary>
    [Test]
    public async Task Two_clients_racing_edits_and_writes_never_leave_a_stale_pending_state()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var one = await WsClient.ConnectAsync(host.Port);
        await using var two = await WsClient.ConnectAsync(host.Port);
        async Task<List<string>> Loop(WsClient ws, int first)
        {
            var errors = new List<string>();
            for (int i = 0; i < 60; i++)
                foreach (var line in new[] { $"server session race laps {first + i}", "server configuration write" })
                {
                    var r = await ws.AskAsync(line);
                    if (r.IsError()) errors.Add($"{line}: {r.ErrorMsg()}");
                }
            return errors;
        }
        var results = await Task.WhenAll(Loop(one, 100), Loop(two, 300));
        await Assert.That(results.SelectMany(e => e)).IsEmpty();
        var show = (await one.AskAsync("server configuration show")).Data();
        await Assert.That(show.Str("msg")).StartsWith("nothing pending");
        var laps = (await one.AskAsync("server sessions")).Data().GetProperty("sessions").GetProperty("Race").GetProperty("laps").GetInt32();
        await Assert.That(laps is 159 or 359).IsTrue();
    }

    [Test]
    public async Task Write_while_acServer_runs_says_when_it_takes_effect()
    {
        using var b = new Bench();
        await using var acServer = await RunningStandIn.StartAsync(b.Agent);
        await b.Run("server session qualify time 20");
        var reply = await b.Raw("server configuration write");
        var data = Bench.Parse(reply).Data();
        await Assert.That(data.Str("note")).IsEqualTo("takes effect at the next server start");
        await Assert.That(reply.Topic).IsEqualTo("configuration");
        // The whole server info, so a client that replaces its server state with it still sees acServer running.
        await Assert.That(data.GetProperty("server").GetProperty("running").GetBoolean()).IsTrue();
    }

    [Test]
    public async Task Write_refuses_when_the_file_changed_on_disk_and_drops_the_stale_edits()
    {
        using var b = new Bench();
        await b.Run("server session race laps 12");
        await b.Run("server session qualify time 25");
        File.AppendAllText(b.CfgPath, "; edited by hand\r\n");
        var changed = b.Bytes;
        var mtime = File.GetLastWriteTimeUtc(b.CfgPath);

        var show = (await b.Run("server configuration show")).Data();
        await Assert.That(show.Str("msg")).StartsWith("cfg/server_cfg.ini changed on disk");
        await Assert.That(show.GetProperty("stale").GetBoolean()).IsTrue();
        var refused = await b.Run("server configuration write");
        await Assert.That(refused.ErrorMsg()).IsEqualTo(
            "cfg/server_cfg.ini changed on disk, so it was re-read and the pending edits were dropped: " +
            "Set RACE LAPS=12; Set QUALIFY TIME=25; nothing was written: redo them on the file as it is now");
        await Assert.That(Hex(b.Bytes)).IsEqualTo(Hex(changed));
        await Assert.That(File.GetLastWriteTimeUtc(b.CfgPath)).IsEqualTo(mtime);
        await Assert.That(File.Exists(b.CfgPath + ".old")).IsFalse();
        // Reset, not stuck: nothing pending, and the next edit starts from the file as it is now.
        await Assert.That(b.Agent.Rooms.Pending.Config.Current).IsNull();
        await Assert.That((await b.Run("server configuration write")).Data().Str("msg")).StartsWith("nothing pending");

        await b.Run("server session race laps 12");
        await Assert.That((await b.Run("server configuration write")).Data().Str("msg")).IsEqualTo("Wrote cfg/server_cfg.ini");
        await Assert.That(Encoding.ASCII.GetString(b.Bytes)).EndsWith("; edited by hand\r\n");
        await Assert.That(Encoding.ASCII.GetString(b.Bytes)).Contains("LAPS=12\r\n");
    }

    [Test]
    public async Task Nothing_pending_touches_no_file()
    {
        using var b = new Bench();
        var bytes = b.Bytes;
        var mtime = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(b.CfgPath, mtime);

        await Assert.That((await b.Run("server configuration write")).Data().Str("msg")).IsEqualTo("nothing pending: cfg/server_cfg.ini was not touched");
        await b.Run("server session race laps 12");
        await Assert.That((await b.Run("server configuration discard")).Data().Str("msg")).IsEqualTo("Discarded the pending edits of cfg/server_cfg.ini");
        await Assert.That((await b.Run("server configuration discard")).Data().Str("msg")).IsEqualTo("nothing pending to discard");
        await Assert.That((await b.Run("server configuration write")).Data().Str("msg")).IsEqualTo("nothing pending: cfg/server_cfg.ini was not touched");
        // Setting a value to what it already is leaves nothing pending either.
        await b.Run("server session race laps 5");
        await Assert.That((await b.Run("server configuration write")).Data().Str("msg")).IsEqualTo("nothing pending: cfg/server_cfg.ini was not touched");

        await Assert.That(Hex(b.Bytes)).IsEqualTo(Hex(bytes));
        await Assert.That(File.GetLastWriteTimeUtc(b.CfgPath)).IsEqualTo(mtime);
        await Assert.That(File.Exists(b.CfgPath + ".old")).IsFalse();
        await Assert.That(Directory.Exists(b.LogsDir)).IsFalse();
        await Assert.That(Directory.GetFiles(Path.GetDirectoryName(b.CfgPath)!).Length).IsEqualTo(1);
    }

    [Test]
    public async Task A_BOM_and_CRLF_survive_an_edit()
    {
        using var b = new Bench();
        var original = b.Bytes;
        File.WriteAllBytes(b.CfgPath, [0xEF, 0xBB, 0xBF, .. original]);
        await b.Run("server session booking enable");
        await b.Run("server configuration write");
        var text = Encoding.Latin1.GetString(b.Bytes);
        await Assert.That(text).StartsWith("\u00EF\u00BB\u00BF[SERVER]\r\n");
        await Assert.That(text).Contains("\r\n\r\n[BOOKING]\r\nNAME=Booking\r\nTIME=10\r\nIS_OPEN=1\r\n\r\n[DYNAMIC_TRACK]");
        await Assert.That(text.Replace("\r\n", "").Contains('\n')).IsFalse();
    }

    // ---- the diff itself ----

    [Test]
    public async Task The_unified_diff_applied_to_the_old_lines_gives_the_new_ones()
    {
        var random = new Random(6);
        for (int round = 0; round < 300; round++)
        {
            var before = Enumerable.Range(0, random.Next(0, 40)).Select(_ => "L" + random.Next(0, 8)).ToList();
            var after = new List<string>(before);
            for (int e = random.Next(0, 6); e > 0; e--)
            {
                int at = random.Next(0, after.Count + 1);
                if (random.Next(2) == 0 && at < after.Count) after.RemoveAt(at);
                else after.Insert(at, "N" + random.Next(0, 8));
            }
            string diff = UnifiedDiff.Of(before, after, "a", "b", context: random.Next(0, 4));
            if (before.SequenceEqual(after)) { await Assert.That(diff).IsEqualTo(""); continue; }
            await Assert.That(string.Join("|", Patch(before, diff))).IsEqualTo(string.Join("|", after));
        }
    }

    /// <summary>Applies a unified diff, checking every context and removed line against <paramref name="lines"/>.</summary>
    static List<string> Patch(List<string> lines, string diff)
    {
        var result = new List<string>();
        int at = 0;
        var rows = diff.Split('\n')[..^1];
        if (rows[0] != "--- a" || rows[1] != "+++ b") throw new Exception("bad header");
        for (int r = 2; r < rows.Length;)
        {
            var m = System.Text.RegularExpressions.Regex.Match(rows[r], @"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$");
            if (!m.Success) throw new Exception("bad hunk header " + rows[r]);
            int oldStart = int.Parse(m.Groups[1].Value), oldCount = m.Groups[2].Success ? int.Parse(m.Groups[2].Value) : 1;
            int from = oldCount == 0 ? oldStart : oldStart - 1;
            while (at < from) result.Add(lines[at++]);
            int seenOld = 0;
            for (r++; r < rows.Length && !rows[r].StartsWith("@@"); r++)
            {
                char op = rows[r][0];
                string text = rows[r][1..];
                if (op == '+') { result.Add(text); continue; }
                if (lines[at] != text) throw new Exception($"line {at + 1} is '{lines[at]}', diff says '{text}'");
                if (op == ' ') result.Add(text);
                at++; seenOld++;
            }
            if (seenOld != oldCount) throw new Exception("hunk count mismatch");
        }
        while (at < lines.Count) result.Add(lines[at++]);
        return result;
    }

    // ---- end to end ----

    [Test]
    public async Task Edit_show_write_and_reread_over_a_websocket_while_another_client_hears_it()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var editor = await WsClient.ConnectAsync(host.Port);
        await using var watcher = await WsClient.ConnectAsync(host.Port);

        var edit = await editor.AskAsync("server session race laps 12");
        await Assert.That(edit.Data().Str("msg")).IsEqualTo("Set RACE LAPS=12");
        await Assert.That(edit.Data().GetProperty("pending").GetProperty("Race").GetProperty("laps").GetInt32()).IsEqualTo(12);

        // Pending edits are the agent's, so the other client sees them too.
        var show = await watcher.AskAsync("server configuration show");
        await Assert.That(show.Data().Str("diff")).Contains("\n-LAPS=5\n+LAPS=12\n");

        var write = await editor.AskAsync("server configuration write");
        await Assert.That(write.Data().Str("msg")).IsEqualTo("Wrote cfg/server_cfg.ini");
        var pushed = await watcher.ReceiveAsync();
        await Assert.That(WsClient.TopicOf(pushed)).IsEqualTo("configuration");
        await Assert.That(pushed.Data().Str("msg")).IsEqualTo("Wrote cfg/server_cfg.ini");
        await Assert.That(pushed.Data().GetProperty("server").GetProperty("sessions").GetProperty("Race").GetProperty("laps").GetInt32()).IsEqualTo(12);

        var sessions = await editor.AskAsync("server sessions");
        await Assert.That(sessions.Data().GetProperty("sessions").GetProperty("Race").GetProperty("laps").GetInt32()).IsEqualTo(12);
        await Assert.That(File.ReadAllText(folder.Cfg("server_cfg.ini.old"))).Contains("LAPS=5\r\n");
        var again = await watcher.AskAsync("server configuration write");
        await Assert.That(again.Data().Str("msg")).IsEqualTo("nothing pending: cfg/server_cfg.ini was not touched");
    }

    [Test]
    public async Task The_diff_never_shows_a_password()
    {
        using var b = new Bench();
        File.WriteAllText(b.CfgPath, "[SERVER]\nNAME=x\nTRACK=magione\nCARS=a\nPASSWORD=join-secret\nADMIN_PASSWORD=admin-secret\n\n[PRACTICE]\nNAME=Practice\nTIME=10\nIS_OPEN=1\n");
        await b.Run("server session practice disable");
        var show = await b.Run("server configuration show");
        string diff = show.Data().Str("diff");
        await Assert.That(diff).Contains("ADMIN_PASSWORD=***");
        await Assert.That(diff).Contains("-[PRACTICE]");
        await Assert.That(show.GetRawText()).DoesNotContain("secret");
    }
}
