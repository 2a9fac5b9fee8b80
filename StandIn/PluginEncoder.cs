using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using AcWs.Live;

namespace AcWs.StandIn;

/// <summary>
/// The server → plugin half of the UDP plugin protocol as Kunos acServer writes it (weather as an A string, the
/// results file name as a W one): the stand-in's encoder, the inverse of <see cref="PluginProtocol.Decode"/>.
/// Strings longer than a one-byte count allows are cut there.
/// </summary>
public static class PluginEncoder
{
    public const int ProtocolVersion = 4;

    public static byte[] Encode(PluginMessage message) => message switch
    {
        PluginMessage.SessionInfo s => new Builder(s.IsNew ? 50 : 59).U8(s.ProtocolVersion).U8(s.SessionIndex)
            .U8(s.CurrentSessionIndex).U8(s.SessionCount).W(s.ServerName).A(s.Track).A(s.TrackConfig).A(s.Name)
            .U8((int)s.Type).U16(s.TimeMinutes).U16(s.Laps).U16(s.WaitSeconds).U8(s.AmbientC).U8(s.RoadC).A(s.Weather)
            .I32(s.ElapsedMs).Done(),
        PluginMessage.Connection c => new Builder(c.Connected ? 51 : 52).W(c.DriverName).W(c.DriverGuid).U8(c.CarId)
            .A(c.CarModel).A(c.CarSkin).Done(),
        PluginMessage.CarUpdate u => new Builder(53).U8(u.CarId).Vector(u.Position).Vector(u.Velocity).U8(u.Gear)
            .U16(u.EngineRpm).F32(u.SplinePosition).Done(),
        PluginMessage.CarInfo i => new Builder(54).U8(i.CarId).U8(i.IsConnected ? 1 : 0).W(i.Model).W(i.Skin)
            .W(i.DriverName).W(i.Team).W(i.DriverGuid).Done(),
        PluginMessage.EndSession e => new Builder(55).W(e.ResultsFile).Done(),
        PluginMessage.Version v => new Builder(56).U8(v.ProtocolVersion).Done(),
        PluginMessage.Chat c => new Builder(57).U8(c.CarId).W(c.Message).Done(),
        PluginMessage.ClientLoaded l => new Builder(58).U8(l.CarId).Done(),
        PluginMessage.Error e => new Builder(60).W(e.Message).Done(),
        PluginMessage.LapCompleted l => Leaderboard(new Builder(73).U8(l.CarId).U32(l.LapTimeMs).U8(l.Cuts), l.Leaderboard)
            .F32(l.GripLevel).Done(),
        PluginMessage.Collision c => (c.OtherCarId is { } other ? new Builder(130).U8(10).U8(c.CarId).U8(other) : new Builder(130).U8(11).U8(c.CarId))
            .F32(c.ImpactSpeed).Vector(c.WorldPosition).Vector(c.RelativePosition).Done(),
        _ => throw new ArgumentException($"no encoder for {message.GetType().Name}"),
    };

    static Builder Leaderboard(Builder b, IReadOnlyList<LeaderboardEntry> rows)
    {
        int count = Math.Min(rows.Count, byte.MaxValue);
        b.U8(count);
        for (int i = 0; i < count; i++) b.U8(rows[i].CarId).U32(rows[i].BestLapMs).U16(rows[i].Laps).U8(rows[i].HasCompleted ? 1 : 0);
        return b;
    }

    sealed class Builder
    {
        readonly MemoryStream bytes = new();

        public Builder(int id) => bytes.WriteByte((byte)id);

        public Builder U8(int value) { bytes.WriteByte((byte)value); return this; }
        public Builder U16(int value) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value); bytes.Write(b); return this; }
        public Builder U32(long value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)value); bytes.Write(b); return this; }
        public Builder I32(int value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, value); bytes.Write(b); return this; }
        public Builder F32(float value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, value); bytes.Write(b); return this; }
        public Builder Vector(Vector3 v) => F32(v.X).F32(v.Y).F32(v.Z);

        /// <summary>An A string: a byte count and UTF-8, cut at 255 bytes on a character boundary.</summary>
        public Builder A(string text)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            int count = Math.Min(utf8.Length, byte.MaxValue);
            while (count < utf8.Length && (utf8[count] & 0xC0) == 0x80) count--;
            bytes.WriteByte((byte)count);
            bytes.Write(utf8, 0, count);
            return this;
        }

        /// <summary>A W string: a character count and UTF-32LE, cut at 255 characters.</summary>
        public Builder W(string text)
        {
            int count = Math.Min(PluginCommand.TextChars(text), PluginCommand.MaxTextChars);
            bytes.WriteByte((byte)count);
            foreach (Rune rune in text.EnumerateRunes())
            {
                if (count-- == 0) break;
                I32(rune.Value);
            }
            return this;
        }

        public byte[] Done() => bytes.ToArray();
    }
}
