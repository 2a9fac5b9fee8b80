using System.Numerics;
using System.Text;
using AcWs.Live;
using AcWs.Tests.Support;
using static AcWs.Live.PluginMessage;
using LapCompleted = AcWs.Live.PluginMessage.LapCompleted;

namespace AcWs.Tests;

/// <summary>
/// The UDP plugin protocol (Live/PluginProtocol.cs, Live/PluginCommand.cs): the real AssettoServer captures as
/// baselines, every message and command by hand, and random bytes that never throw.
/// </summary>
public class PluginProtocolTests
{
    const string Startup = "assettoserver-startup-and-replies.hex.txt", Driver = "assettoserver-driver-connect-lap-leave.hex.txt";
    const string Guid = "76561198000000001";

    public static IEnumerable<string> Captures() => PluginCaptures.Names();

    static PluginMessage Decoded(byte[] bytes)
    {
        var d = PluginProtocol.Decode(bytes);
        return d.Message ?? throw new Exception($"did not decode: {d.Why}");
    }

    static async Task AssertDecodes(byte[] bytes, PluginMessage expected)
    {
        var d = PluginProtocol.Decode(bytes);
        await Assert.That(d.Why).IsNull();
        await Assert.That(d.Trailing).IsEqualTo(0);
        await Assert.That(PluginDump.Of(d.Message!)).IsEqualTo(PluginDump.Of(expected));
    }

    [Test]
    public async Task The_table_has_every_message_the_server_sends()
    {
        await Assert.That(PluginProtocol.Rows.Select(r => (int)r.Id)).IsEquivalentTo([.. Enumerable.Range(50, 11), 73, 130]);
        await Assert.That(PluginProtocol.Rows.Select(r => r.Name).Distinct().Count()).IsEqualTo(PluginProtocol.Rows.Length);
    }

    // ---- Baselines: the real captures ----

    /// <summary>inih-style: each capture's decoded view, dumped beside the ini baselines in tests/baselines.</summary>
    [Test]
    [MethodDataSource(nameof(Captures))]
    public async Task Every_captured_datagram_matches_its_baseline_dump(string name)
    {
        var dump = new StringBuilder();
        foreach (var c in PluginCaptures.Datagrams(name)) dump.Append("# ").Append(c.Label).Append('\n').Append(PluginDump.Of(PluginProtocol.Decode(c.Bytes)));
        string baseline = Path.Combine(Baselines.Dir, "udp-plugin_" + name + ".dump");
        if (Environment.GetEnvironmentVariable("ACWS_UPDATE_BASELINES") == "1") File.WriteAllText(baseline, dump.ToString());
        await Assert.That(dump.ToString()).IsEqualTo(File.ReadAllText(baseline));
        await Assert.That(dump.ToString()).DoesNotContain("malformed");
    }

    static SessionInfo ActsPractice(bool isNew, int elapsedMs) => new(isNew, 4, 0, 0, 3, "acws test AssettoServer", "csp/2651/../imola", "",
        "Practice", PluginSessionType.Practice, 10, 0, 0, 20, 28, "", elapsedMs);

    /// <summary>The values the fixture README and the capture's own lines state, written out.</summary>
    [Test]
    public async Task The_startup_capture_decodes_to_the_values_its_readme_states()
    {
        var got = PluginCaptures.Datagrams(Startup).Select(c => Decoded(c.Bytes)).ToList();
        var qualify = new SessionInfo(true, 4, 1, 1, 3, "acws test AssettoServer", "csp/2651/../imola", "", "Qualify",
            PluginSessionType.Qualify, 5, 0, 0, 20, 28, "", 35988);
        PluginMessage[] expected =
        [
            new PluginMessage.Version(4),
            ActsPractice(isNew: true, 409),
            ActsPractice(isNew: false, 22951),                       // 204(-1): the current session
            new SessionInfo(false, 4, 2, 0, 3, "acws test AssettoServer", "csp/2651/../imola", "", "Race",
                PluginSessionType.Race, 60, 5, 60, 20, 28, "", 24954), // 204(2): the race
            new Error("ERROR: ACSP_GET_SESSION_INFO out of bounds: 9"),
            new PluginMessage.Version(4),
            new Error("ERROR: ACSP_KICK_USER index 7 out of bound"), // 206(7), AssettoServer's wording
            new EndSession(""), qualify,                              // 207: 55 with no file name, then 50
            new EndSession(""), qualify with { ElapsedMs = 38995 },   // 208: the same
        ];
        await Assert.That(got).IsEquivalentTo(expected, TUnit.Assertions.Enums.CollectionOrdering.Matching);
    }

    [Test]
    public async Task The_driver_capture_decodes_to_the_values_its_readme_states()
    {
        var got = PluginCaptures.Datagrams(Driver).Select(c => Decoded(c.Bytes)).ToList();
        await Assert.That(got.Count).IsEqualTo(6);
        await Assert.That(got[0]).IsEqualTo(new PluginMessage.Version(4));
        await Assert.That(got[1]).IsEqualTo(ActsPractice(isNew: true, 406));
        await Assert.That(got[2]).IsEqualTo(new Connection(true, "FakeDriver", Guid, 0, "abarth500", "0_white_scorpion"));
        await Assert.That(got[3]).IsEqualTo(new CarInfo(0, true, "abarth500", "0_white_scorpion", "FakeDriver", "TeamX", Guid));
        var lap = (LapCompleted)got[4];
        await Assert.That((lap.CarId, lap.LapTimeMs, lap.Cuts)).IsEqualTo((0, 95123L, 0)); // 1:35.123, no cuts
        await Assert.That(lap.Leaderboard).IsEquivalentTo(new LeaderboardEntry[]
            { new(0, 95123, 1, false), new(1, 999999999, 0, false), new(2, 999999999, 0, false) }, TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(lap.GripLevel).IsEqualTo(0.94f).Within(0.001f);
        await Assert.That(got[5]).IsEqualTo(new Connection(false, "FakeDriver", Guid, 0, "abarth500", "0_white_scorpion"));
    }

    /// <summary>Every command the capture sent to the real AssettoServer (which answered it) is what the encoder writes.</summary>
    [Test]
    public async Task The_encoder_writes_the_bytes_the_real_server_answered()
    {
        var encoded = new Dictionary<string, byte[]>
        {
            ["GET_SESSION_INFO(-1)"] = PluginCommand.GetSessionInfo(),
            ["GET_SESSION_INFO(2)"] = PluginCommand.GetSessionInfo(2),
            ["GET_SESSION_INFO(9)"] = PluginCommand.GetSessionInfo(9),
            ["GET_CAR_INFO(0)"] = PluginCommand.GetCarInfo(0),
            ["BROADCAST_CHAT"] = PluginCommand.BroadcastChat("hi from plugin"),
            ["KICK_USER(7)"] = PluginCommand.KickUser(7),
            ["NEXT_SESSION"] = PluginCommand.NextSession(),
            ["RESTART_SESSION"] = PluginCommand.RestartSession(),
        };
        var sent = PluginCaptures.SentCommands(Startup);
        // "VERSION?" (a bare 56) was a probe, not a command of the protocol.
        await Assert.That(sent.Select(s => s.Command).Where(c => !encoded.ContainsKey(c))).IsEquivalentTo(["VERSION?"]);
        foreach (var (command, bytes) in sent.Where(s => encoded.ContainsKey(s.Command)))
            await Assert.That(Convert.ToHexString(encoded[command])).IsEqualTo(Convert.ToHexString(bytes));
    }

    // ---- Every message by hand ----

    static Datagram SessionBytes(int id) => new Datagram(id).U8(4).U8(1).U8(2).U8(3).W("Sérvér ☃ 🏁").A("ks_nordschleife").A("tourist")
        .A("Quali").U8(2).U16(15).U16(0).U16(120).U8(22).U8(31);

    static SessionInfo SessionExpected(bool isNew) => new(isNew, 4, 1, 2, 3, "Sérvér ☃ 🏁", "ks_nordschleife", "tourist", "Quali",
        PluginSessionType.Qualify, 15, 0, 120, 22, 31, "3_clear", -1500);

    [Test]
    [Arguments(50, true)]
    [Arguments(59, false)]
    public async Task Session_info_decodes_with_the_weather_as_A_as_Kunos_sends_it(int id, bool isNew) =>
        await AssertDecodes(SessionBytes(id).A("3_clear").I32(-1500).Bytes, SessionExpected(isNew));

    [Test]
    [Arguments(50, true)]
    [Arguments(59, false)]
    public async Task Session_info_decodes_with_the_weather_as_W_as_AssettoServer_sends_it(int id, bool isNew) =>
        await AssertDecodes(SessionBytes(id).W("3_clear").I32(-1500).Bytes, SessionExpected(isNew));

    [Test]
    public async Task Session_info_whose_weather_fits_neither_form_is_malformed_and_says_so()
    {
        // One byte more than an A weather needs, far fewer than a W one.
        var bytes = SessionBytes(50).A("3_clear").I32(-1500).U8(0).Bytes;
        var d = PluginProtocol.Decode(bytes);
        await Assert.That(d.Reason).IsEqualTo(MalformedReason.FitsNeitherForm);
        await Assert.That(d.Why).IsEqualTo($"NEW_SESSION ({bytes.Length} bytes): the 12 bytes left fit neither a W weather of 7 characters (28 bytes) nor an A one (7 bytes) and the 4 after it");
    }

    [Test]
    [Arguments(51, true)]
    [Arguments(52, false)]
    public async Task A_connection_decodes(int id, bool connected) =>
        await AssertDecodes(new Datagram(id).W("Jürgen 🏎").W(Guid).U8(7).A("ks_mazda_mx5_cup").A("00_white").Bytes,
            new Connection(connected, "Jürgen 🏎", Guid, 7, "ks_mazda_mx5_cup", "00_white"));

    [Test]
    public async Task A_car_update_decodes() =>
        await AssertDecodes(new Datagram(53).U8(3).Vector(new(1.5f, -2.25f, 1e6f)).Vector(new(0, 33.3f, -0.001f)).U8(5).U16(7250).F32(0.4567f).Bytes,
            new CarUpdate(3, new(1.5f, -2.25f, 1e6f), new(0, 33.3f, -0.001f), 5, 7250, 0.4567f));

    /// <summary>CAR_UPDATE comes 18 times a second per car: decoding one allocates its record and nothing else.</summary>
    [Test]
    public async Task Decoding_a_car_update_allocates_only_its_record()
    {
        var bytes = new Datagram(53).U8(3).Vector(new(1, 2, 3)).Vector(new(4, 5, 6)).U8(5).U16(7250).F32(0.5f).Bytes;
        for (int i = 0; i < 1000; i++) PluginProtocol.Decode(bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) PluginProtocol.Decode(bytes);
        long perDatagram = (GC.GetAllocatedBytesForCurrentThread() - before) / 10_000;
        await Assert.That(perDatagram).IsLessThanOrEqualTo(64); // the CarUpdate: 56 bytes on x64 (header and 40 bytes of fields)
    }

    [Test]
    public async Task Car_info_decodes() =>
        await AssertDecodes(new Datagram(54).U8(12).U8(0).W("rss_formula").W("red").W("").W("Team Ω").W("").Bytes,
            new CarInfo(12, false, "rss_formula", "red", "", "Team Ω", ""));

    [Test]
    [Arguments(false)]
    [Arguments(true)]
    public async Task End_session_decodes_the_file_name_as_W_from_Kunos_or_A(bool aForm)
    {
        const string file = "results/2024_5_1_20_15_RACE.json";
        var bytes = aForm ? new Datagram(55).A(file).Bytes : new Datagram(55).W(file).Bytes;
        await AssertDecodes(bytes, new EndSession(file));
    }

    [Test]
    public async Task The_small_messages_decode()
    {
        await AssertDecodes(new Datagram(56).U8(4).Bytes, new PluginMessage.Version(4));
        await AssertDecodes(new Datagram(57).U8(9).W("gg wp, sorry for T1 😅").Bytes, new Chat(9, "gg wp, sorry for T1 😅"));
        await AssertDecodes(new Datagram(58).U8(31).Bytes, new ClientLoaded(31));
        await AssertDecodes(new Datagram(60).W("ERROR: no").Bytes, new Error("ERROR: no"));
    }

    static Datagram LapBytes() => new Datagram(73).U8(2).U32(101_234).U8(3).U8(2);

    [Test]
    public async Task A_lap_decodes_with_8_byte_leaderboard_rows() =>
        await AssertDecodes(LapBytes().U8(2).U32(99_000).U16(12).U8(1).U8(0).U32(999999999).U16(0).U8(0).F32(0.98f).Bytes,
            new LapCompleted(2, 101_234, 3, [new(2, 99_000, 12, true), new(0, 999999999, 0, false)], 0.98f));

    /// <summary>The oldest example plugin read 7-byte rows; no server in use sends them, and a cut datagram of 8-byte rows would look like them.</summary>
    [Test]
    public async Task A_lap_with_7_byte_leaderboard_rows_is_malformed_not_misread()
    {
        var d = PluginProtocol.Decode(LapBytes().U8(2).U32(99_000).U16(12).U8(0).U32(999999999).U16(0).F32(0.98f).Bytes);
        await Assert.That(d.Reason).IsEqualTo(MalformedReason.Truncated);
        await Assert.That(d.Why).IsEqualTo("LAP_COMPLETED (26 bytes): ends inside the grip level (byte 24 needs 4, 2 left)");
    }

    [Test]
    public async Task Collisions_with_a_car_and_with_the_environment_decode()
    {
        Vector3 world = new(100.5f, 2f, -300.25f), relative = new(0.5f, 0.1f, 1.9f);
        await AssertDecodes(new Datagram(130).U8(10).U8(4).U8(6).F32(42.5f).Vector(world).Vector(relative).Bytes,
            new Collision(4, 6, 42.5f, world, relative));
        await AssertDecodes(new Datagram(130).U8(11).U8(4).F32(12f).Vector(world).Vector(relative).Bytes,
            new Collision(4, null, 12f, world, relative));
        var unknown = PluginProtocol.Decode(new Datagram(130).U8(12).U8(4).F32(12f).Vector(world).Vector(relative).Bytes);
        await Assert.That(unknown.Reason).IsEqualTo(MalformedReason.UnknownEventType);
    }

    [Test]
    public async Task Bytes_after_a_complete_message_are_accepted_and_counted()
    {
        var counts = new PluginDatagramCounts();
        var d = PluginProtocol.Decode(new Datagram(58).U8(31).U8(0xEE).U8(0xEE).Bytes);
        counts.Add(d);
        await Assert.That(d.Message).IsEqualTo(new ClientLoaded(31));
        await Assert.That(d.Trailing).IsEqualTo(2);
        await Assert.That((counts.Decoded, counts.WithTrailingBytes, counts.MalformedTotal)).IsEqualTo((1L, 1L, 0L));
    }

    [Test]
    public async Task Malformed_datagrams_are_counted_by_reason_and_say_why()
    {
        var counts = new PluginDatagramCounts();
        var empty = PluginProtocol.Decode([]);
        var unknown = PluginProtocol.Decode([99, 1, 2]);
        var shortLap = PluginProtocol.Decode([73, 1, 0x10, 0x20]);
        foreach (var d in new[] { empty, unknown, shortLap, shortLap }) counts.Add(d);
        await Assert.That(empty.Why).IsEqualTo("an empty datagram");
        await Assert.That(unknown.Why).IsEqualTo("no message has id 99");
        await Assert.That(shortLap.Why).IsEqualTo("LAP_COMPLETED (4 bytes): ends inside the lap time (byte 2 needs 4, 2 left)");
        await Assert.That((counts.Malformed(MalformedReason.Empty), counts.Malformed(MalformedReason.UnknownId),
            counts.Malformed(MalformedReason.Truncated), counts.MalformedTotal, counts.Decoded)).IsEqualTo((1L, 1L, 2L, 4L, 0L));
    }

    // ---- Every command by hand ----

    [Test]
    public async Task Every_command_encodes_to_its_exact_bytes()
    {
        string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();
        await Assert.That(Hex(PluginCommand.RealtimePosInterval(250))).IsEqualTo("c8fa00");
        await Assert.That(Hex(PluginCommand.GetCarInfo(17))).IsEqualTo("c911");
        await Assert.That(Hex(PluginCommand.SendChat(3, "Hé🏁"))).IsEqualTo("ca0303" + "48000000" + "e9000000" + "c1f30100");
        await Assert.That(Hex(PluginCommand.BroadcastChat(""))).IsEqualTo("cb00");
        await Assert.That(Hex(PluginCommand.GetSessionInfo(-1))).IsEqualTo("ccffff");
        await Assert.That(Hex(PluginCommand.SetSessionInfo(2, "Race", PluginSessionType.Race, 20, 0, 60)))
            .IsEqualTo("cd0204" + "52000000610000006300000065000000" + "03" + "14000000" + "00000000" + "3c000000");
        await Assert.That(Hex(PluginCommand.KickUser(255))).IsEqualTo("ceff");
        await Assert.That(Hex(PluginCommand.NextSession())).IsEqualTo("cf");
        await Assert.That(Hex(PluginCommand.RestartSession())).IsEqualTo("d0");
        await Assert.That(Hex(PluginCommand.AdminCommand("/ballast 3 50"))).IsEqualTo("d10d" + Hex(Encoding.UTF32.GetBytes("/ballast 3 50")));
    }

    [Test]
    public async Task A_text_longer_than_255_characters_is_cut_there_and_a_lone_surrogate_goes_as_a_replacement_character()
    {
        var text = string.Concat(Enumerable.Repeat("🏁", 300));
        await Assert.That(PluginCommand.TextChars(text)).IsEqualTo(300);
        var bytes = PluginCommand.BroadcastChat(text);
        await Assert.That(bytes.Length).IsEqualTo(2 + 4 * 255);
        await Assert.That(bytes[1]).IsEqualTo((byte)255);
        await Assert.That(Convert.ToHexString(PluginCommand.BroadcastChat("a\ud800"))).IsEqualTo("CB0261000000FDFF0000");
    }

    // ---- Random bytes and random messages ----

    /// <summary>Decodes without throwing, and a message is complete: it needed every byte it read, and nothing in it is missing.</summary>
    static async Task AssertWhole(byte[] bytes)
    {
        var d = PluginProtocol.Decode(bytes);
        if ((d.Message is null) == (d.Why is null)) throw new Exception($"{Convert.ToHexString(bytes)}: message and why both or neither");
        if (d.Message is null)
        {
            if (d.Reason == MalformedReason.None) throw new Exception($"{Convert.ToHexString(bytes)}: malformed without a reason");
            return;
        }
        if (d.Trailing < 0 || d.Trailing >= bytes.Length) throw new Exception($"{Convert.ToHexString(bytes)}: {d.Trailing} trailing");
        foreach (var p in d.Message.GetType().GetProperties())
            if (!p.PropertyType.IsValueType && Nullable.GetUnderlyingType(p.PropertyType) is null && p.GetValue(d.Message) is null)
                throw new Exception($"{Convert.ToHexString(bytes)}: {p.Name} is null");
        int used = bytes.Length - d.Trailing;
        var alone = PluginProtocol.Decode(bytes.AsSpan(0, used));
        if (alone.Message is null || alone.Trailing != 0 || PluginDump.Of(alone.Message) != PluginDump.Of(d.Message))
            throw new Exception($"{Convert.ToHexString(bytes)}: the {used} bytes it used do not decode alone to the same");
        if (PluginProtocol.Decode(bytes.AsSpan(0, used - 1)).Message is not null)
            throw new Exception($"{Convert.ToHexString(bytes)}: decodes without its last used byte");
        await Task.CompletedTask;
    }

    [Test]
    public async Task Twenty_thousand_random_datagrams_never_throw_and_never_give_half_a_message()
    {
        var random = new Random(16);
        var ids = PluginProtocol.Rows.Select(r => r.Id).ToArray();
        var counts = new PluginDatagramCounts();
        for (int i = 0; i < 20_000; i++)
        {
            // Half short (most real messages are under 250 bytes), half up to 2,000; nine in ten start with a real id.
            var bytes = new byte[random.Next(i % 2 == 0 ? 65 : 2001)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(10) > 0) bytes[0] = ids[random.Next(ids.Length)];
            await AssertWhole(bytes);
            counts.Add(PluginProtocol.Decode(bytes));
        }
        // Random bytes reach every outcome: messages, trailing bytes, and each way of being malformed.
        await Assert.That(counts.Decoded).IsGreaterThan(1000);
        await Assert.That(counts.WithTrailingBytes).IsGreaterThan(500);
        foreach (var reason in Enum.GetValues<MalformedReason>().Where(r => r != MalformedReason.None))
            await Assert.That(counts.Malformed(reason)).IsGreaterThan(0);
    }

    [Test]
    [MethodDataSource(nameof(Captures))]
    public async Task Every_truncation_of_every_captured_datagram_is_malformed_and_never_throws(string name)
    {
        foreach (var c in PluginCaptures.Datagrams(name))
            for (int length = 0; length < c.Bytes.Length; length++)
            {
                var d = PluginProtocol.Decode(c.Bytes.AsSpan(0, length));
                if (d.Message is not null || d.Reason is not (MalformedReason.Empty or MalformedReason.Truncated or MalformedReason.FitsNeitherForm))
                    throw new Exception($"'{c.Label}' cut at {length}: {PluginDump.Of(d)}");
            }
        await Assert.That(PluginCaptures.Datagrams(name).Count).IsGreaterThan(5);
    }

    [Test]
    public async Task Random_valid_messages_round_trip_with_the_weather_and_file_name_in_either_form()
    {
        var random = new Random(73);
        var types = new HashSet<string>();
        for (int i = 0; i < 5000; i++)
        {
            var message = RandomMessage(random);
            var bytes = PluginServerSide.Encode(message, aForm: random.Next(2) == 0);
            var d = PluginProtocol.Decode(bytes);
            if (d.Message is null || d.Trailing != 0 || PluginDump.Of(d.Message) != PluginDump.Of(message))
                throw new Exception($"{Convert.ToHexString(bytes)}: {PluginDump.Of(message)} came back as {PluginDump.Of(d)}");
            types.Add(d.Name);
        }
        await Assert.That(types.Count).IsEqualTo(PluginProtocol.Rows.Length);
    }

    static readonly string[] Letters = ["a", "Z", "0", " ", "_", "é", "ß", "Ω", "☃", "🏁", "😅", "中"];

    static string RandomText(Random random, int maxChars) =>
        string.Concat(Enumerable.Range(0, random.Next(maxChars + 1)).Select(_ => Letters[random.Next(Letters.Length)]));

    static Vector3 RandomVector(Random random) => new(RandomFloat(random), RandomFloat(random), RandomFloat(random));
    static float RandomFloat(Random random) => (float)(random.NextDouble() * 4000 - 2000);

    /// <summary>A random message of a random type; A strings stay within 255 UTF-8 bytes, W within 255 characters.</summary>
    static PluginMessage RandomMessage(Random r) => r.Next(11) switch
    {
        0 => new SessionInfo(r.Next(2) == 0, r.Next(256), r.Next(256), r.Next(256), r.Next(256), RandomText(r, 255), RandomText(r, 60),
            RandomText(r, 60), RandomText(r, 60), (PluginSessionType)r.Next(256), r.Next(65536), r.Next(65536), r.Next(65536),
            r.Next(256), r.Next(256), RandomText(r, 60), r.Next(int.MinValue, int.MaxValue)),
        1 => new Connection(r.Next(2) == 0, RandomText(r, 255), RandomText(r, 20), r.Next(256), RandomText(r, 60), RandomText(r, 60)),
        2 => new CarUpdate(r.Next(256), RandomVector(r), RandomVector(r), r.Next(256), r.Next(65536), RandomFloat(r)),
        3 => new CarInfo(r.Next(256), r.Next(2) == 0, RandomText(r, 255), RandomText(r, 40), RandomText(r, 40), RandomText(r, 40), RandomText(r, 20)),
        4 => new EndSession(RandomText(r, 60)),
        5 => new PluginMessage.Version(r.Next(256)),
        6 => new Chat(r.Next(256), RandomText(r, 255)),
        7 => new ClientLoaded(r.Next(256)),
        8 => new Error(RandomText(r, 255)),
        9 => new LapCompleted(r.Next(256), r.NextInt64(uint.MaxValue + 1L), r.Next(256),
            Enumerable.Range(0, r.Next(256)).Select(_ => new LeaderboardEntry(r.Next(256), r.NextInt64(uint.MaxValue + 1L), r.Next(65536), r.Next(2) == 0)).ToArray(),
            RandomFloat(r)),
        _ => new Collision(r.Next(256), r.Next(2) == 0 ? null : r.Next(256), RandomFloat(r), RandomVector(r), RandomVector(r)),
    };
}
