using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using AcWs.Live;

namespace AcWs.Tests.Support;

/// <summary>One datagram of a capture: its label line (e.g. <c>[reply204] from 127.0.0.1:25611 id=59 len=140</c>) and bytes.</summary>
public sealed record Captured(string Label, byte[] Bytes);

/// <summary>The UDP plugin captures in tests/fixtures/udp-plugin: hex dumps, one datagram each, and the commands sent.</summary>
public static partial class PluginCaptures
{
    public static string Path(string name) => System.IO.Path.Combine(Fixtures.Root, "udp-plugin", name);

    public static IEnumerable<string> Names() =>
        Directory.GetFiles(System.IO.Path.Combine(Fixtures.Root, "udp-plugin"), "*.hex.txt").Order().Select(System.IO.Path.GetFileName)!;

    [GeneratedRegex(@"id=(\d+) len=(\d+)$")] private static partial Regex Header();
    [GeneratedRegex(@"^  [0-9a-f]{4}  ")] private static partial Regex HexLine();
    [GeneratedRegex(@"^>>> send ([A-Z_]+(?:\(-?\d+\))?\??): ([0-9a-f]+)$")] private static partial Regex Sent();

    /// <summary>The datagrams received, in order; each dump's length is checked against its <c>len=</c>.</summary>
    public static List<Captured> Datagrams(string name)
    {
        var list = new List<(string Label, int Length, List<byte> Bytes)>();
        foreach (var line in File.ReadLines(Path(name)))
        {
            if (Header().Match(line) is { Success: true } h) list.Add((line, int.Parse(h.Groups[2].Value), []));
            else if (HexLine().IsMatch(line))
                list[^1].Bytes.AddRange(line.Substring(8, Math.Min(48, line.Length - 8))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(b => Convert.ToByte(b, 16)));
        }
        foreach (var d in list)
            if (d.Bytes.Count != d.Length) throw new InvalidDataException($"{name}: '{d.Label}' has {d.Bytes.Count} bytes");
        return list.Select(d => new Captured(d.Label, d.Bytes.ToArray())).ToList();
    }

    /// <summary>The commands the capture sent with their bytes: <c>&gt;&gt;&gt; send NAME(ARG): hex</c>.</summary>
    public static List<(string Command, byte[] Bytes)> SentCommands(string name) =>
        File.ReadLines(Path(name)).Select(l => Sent().Match(l)).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, Convert.FromHexString(m.Groups[2].Value))).ToList();
}

/// <summary>Builds a datagram by hand, field by field, little-endian as the protocol is.</summary>
public sealed class Datagram(int id)
{
    readonly List<byte> bytes = [(byte)id];

    public Datagram U8(int v) { bytes.Add((byte)v); return this; }
    public Datagram U16(int v) => Raw(BitConverter.GetBytes((ushort)v));
    public Datagram U32(long v) => Raw(BitConverter.GetBytes((uint)v));
    public Datagram I32(int v) => Raw(BitConverter.GetBytes(v));
    public Datagram F32(float v) => Raw(BitConverter.GetBytes(v));
    public Datagram Vector(Vector3 v) => F32(v.X).F32(v.Y).F32(v.Z);
    public Datagram A(string s) { var b = Encoding.UTF8.GetBytes(s); return U8(b.Length).Raw(b); }
    public Datagram W(string s) { var b = Encoding.UTF32.GetBytes(s); return U8(b.Length / 4).Raw(b); }
    public Datagram Raw(byte[] b) { bytes.AddRange(b); return this; }
    public byte[] Bytes => bytes.ToArray();
}

/// <summary>
/// The test's own view of a decoded message: every field, floats exact (round-trip format), one field a line.
/// Used for the baseline dumps and to compare records that hold a list.
/// </summary>
public static class PluginDump
{
    public static string Of(PluginDatagram d) =>
        d.Message is null ? $"malformed {d.Reason}: {d.Why}\n" : $"{d.Name} {Of(d.Message)}" + (d.Trailing > 0 ? $"  + {d.Trailing} trailing bytes\n" : "");

    public static string Of(PluginMessage m)
    {
        var sb = new StringBuilder(m.GetType().Name).Append('\n');
        foreach (var p in m.GetType().GetProperties()) sb.Append("  ").Append(p.Name).Append(" = ").Append(Value(p.GetValue(m))).Append('\n');
        return sb.ToString();
    }

    static string Value(object? v) => v switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Vector3 x => $"({Value(x.X)}, {Value(x.Y)}, {Value(x.Z)})",
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Value)) + "]",
        _ => v.GetType().Name + " { " + string.Join(", ", v.GetType().GetProperties().Select(p => p.Name + " = " + Value(p.GetValue(v)))) + " }",
    };
}

/// <summary>
/// The test's own encoder of server → plugin messages (the layouts of the fixture README, written out again), to
/// round-trip records: <paramref name="aForm"/> sends the weather/file name as A.
/// </summary>
public static class PluginServerSide
{
    public static byte[] Encode(PluginMessage message, bool aForm = false) => message switch
    {
        PluginMessage.SessionInfo s => Text(new Datagram(s.IsNew ? 50 : 59).U8(s.ProtocolVersion).U8(s.SessionIndex)
            .U8(s.CurrentSessionIndex).U8(s.SessionCount).W(s.ServerName).A(s.Track).A(s.TrackConfig).A(s.Name)
            .U8((int)s.Type).U16(s.TimeMinutes).U16(s.Laps).U16(s.WaitSeconds).U8(s.AmbientC).U8(s.RoadC), s.Weather, aForm)
            .I32(s.ElapsedMs).Bytes,
        PluginMessage.Connection c => new Datagram(c.Connected ? 51 : 52).W(c.DriverName).W(c.DriverGuid).U8(c.CarId).A(c.CarModel).A(c.CarSkin).Bytes,
        PluginMessage.CarUpdate u => new Datagram(53).U8(u.CarId).Vector(u.Position).Vector(u.Velocity).U8(u.Gear).U16(u.EngineRpm).F32(u.SplinePosition).Bytes,
        PluginMessage.CarInfo i => new Datagram(54).U8(i.CarId).U8(i.IsConnected ? 1 : 0).W(i.Model).W(i.Skin).W(i.DriverName).W(i.Team).W(i.DriverGuid).Bytes,
        PluginMessage.EndSession e => Text(new Datagram(55), e.ResultsFile, aForm).Bytes,
        PluginMessage.Version v => new Datagram(56).U8(v.ProtocolVersion).Bytes,
        PluginMessage.Chat c => new Datagram(57).U8(c.CarId).W(c.Message).Bytes,
        PluginMessage.ClientLoaded l => new Datagram(58).U8(l.CarId).Bytes,
        PluginMessage.Error e => new Datagram(60).W(e.Message).Bytes,
        PluginMessage.LapCompleted l => Rows(new Datagram(73).U8(l.CarId).U32(l.LapTimeMs).U8(l.Cuts).U8(l.Leaderboard.Count), l.Leaderboard).F32(l.GripLevel).Bytes,
        PluginMessage.Collision c => (c.OtherCarId is { } other ? new Datagram(130).U8(10).U8(c.CarId).U8(other) : new Datagram(130).U8(11).U8(c.CarId))
            .F32(c.ImpactSpeed).Vector(c.WorldPosition).Vector(c.RelativePosition).Bytes,
        _ => throw new ArgumentException(message.GetType().Name),
    };

    static Datagram Text(Datagram d, string s, bool aForm) => aForm ? d.A(s) : d.W(s);

    static Datagram Rows(Datagram d, IEnumerable<LeaderboardEntry> rows)
    {
        foreach (var row in rows) d.U8(row.CarId).U32(row.BestLapMs).U16(row.Laps).U8(row.HasCompleted ? 1 : 0);
        return d;
    }
}
