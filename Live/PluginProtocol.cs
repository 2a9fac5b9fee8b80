using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace AcWs.Live;

/// <summary>
/// The server → plugin half of acServer's UDP plugin protocol (README "UDP plugin protocol"): one table of message id
/// → (name, decoder). <see cref="Decode"/> never throws: a datagram is either one complete <see cref="PluginMessage"/>
/// or malformed with a reason and a why. Bytes after a complete message are accepted and counted
/// (<see cref="PluginDatagram.Trailing"/>), except where the bytes left are what tells two forms apart (the weather of
/// 50/59, the file name of 55): there only an exact fit decodes.
/// </summary>
public static class PluginProtocol
{
    public delegate PluginMessage? Decoder(ref PluginReader r);
    public sealed record Row(byte Id, string Name, Decoder Decode);

    /// <summary>Every message the server sends, in id order.</summary>
    public static readonly Row[] Rows =
    [
        new(50, "NEW_SESSION", (ref PluginReader r) => Session(ref r, isNew: true)),
        new(51, "NEW_CONNECTION", (ref PluginReader r) => Connection(ref r, connected: true)),
        new(52, "CONNECTION_CLOSED", (ref PluginReader r) => Connection(ref r, connected: false)),
        new(53, "CAR_UPDATE", (ref PluginReader r) => new PluginMessage.CarUpdate(r.U8("car id"), r.Vector("position"),
            r.Vector("velocity"), r.U8("gear"), r.U16("engine rpm"), r.F32("spline position"))),
        new(54, "CAR_INFO", (ref PluginReader r) => new PluginMessage.CarInfo(r.U8("car id"), r.U8("is connected") != 0,
            r.W("model"), r.W("skin"), r.W("driver name"), r.W("team"), r.W("driver GUID"))),
        // Kunos sends the file name as W, AssettoServer an empty A.
        new(55, "END_SESSION", (ref PluginReader r) => new PluginMessage.EndSession(r.AOrW("results file name", after: 0))),
        new(56, "VERSION", (ref PluginReader r) => new PluginMessage.Version(r.U8("protocol version"))),
        new(57, "CHAT", (ref PluginReader r) => new PluginMessage.Chat(r.U8("car id"), r.W("message"))),
        new(58, "CLIENT_LOADED", (ref PluginReader r) => new PluginMessage.ClientLoaded(r.U8("car id"))),
        new(59, "SESSION_INFO", (ref PluginReader r) => Session(ref r, isNew: false)),
        new(60, "ERROR", (ref PluginReader r) => new PluginMessage.Error(r.W("message"))),
        new(73, "LAP_COMPLETED", Lap),
        new(130, "CLIENT_EVENT", ClientEvent),
    ];

    static readonly Row?[] ById = Index();

    static Row?[] Index()
    {
        var byId = new Row?[256];
        foreach (var row in Rows) byId[row.Id] = row;
        return byId;
    }

    public static PluginDatagram Decode(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty) return new(-1, "", null, MalformedReason.Empty, "an empty datagram", 0);
        int id = datagram[0];
        if (ById[id] is not { } row) return new(id, "", null, MalformedReason.UnknownId, $"no message has id {id}", 0);
        var r = new PluginReader(datagram, 1);
        var message = row.Decode(ref r);
        if (r.Failure != MalformedReason.None || message is null)
            return new(id, row.Name, null, r.Failure, $"{row.Name} ({datagram.Length} bytes): {r.Why}", 0);
        return new(id, row.Name, message, MalformedReason.None, null, r.Left);
    }

    static PluginMessage Session(ref PluginReader r, bool isNew) => new PluginMessage.SessionInfo(isNew,
        r.U8("protocol version"), r.U8("session index"), r.U8("current session index"), r.U8("session count"),
        r.W("server name"), r.A("track"), r.A("track config"), r.A("session name"), (PluginSessionType)r.U8("session type"),
        r.U16("time"), r.U16("laps"), r.U16("wait time"), r.U8("ambient temperature"), r.U8("road temperature"),
        // A in Kunos acServer, W in AssettoServer; the elapsed time (4 bytes) follows it.
        r.AOrW("weather", after: 4), r.I32("elapsed time"));

    static PluginMessage Connection(ref PluginReader r, bool connected) => new PluginMessage.Connection(connected,
        r.W("driver name"), r.W("driver GUID"), r.U8("car id"), r.A("car model"), r.A("car skin"));

    /// <summary>
    /// Leaderboard rows are 8 bytes (with the has-completed flag) in acServer 1.x and later, Server Manager and
    /// AssettoServer. The oldest example plugin read 7; that form is not accepted, as a datagram of 8-byte rows cut
    /// short would read as one of 7-byte rows.
    /// </summary>
    static PluginMessage? Lap(ref PluginReader r)
    {
        int car = r.U8("car id");
        long time = r.U32("lap time");
        int cuts = r.U8("cuts"), count = r.U8("leaderboard count");
        if (r.Left < 8 * count) r.Fail(MalformedReason.Truncated, $"ends inside the leaderboard ({count} rows of 8 bytes, {r.Left} bytes left)");
        if (r.Failure != MalformedReason.None) return null;
        var board = count == 0 ? [] : new LeaderboardEntry[count];
        for (int i = 0; i < count; i++) board[i] = new(r.U8("car id"), r.U32("best lap"), r.U16("laps"), r.U8("has completed") != 0);
        return new PluginMessage.LapCompleted(car, time, cuts, board, r.F32("grip level"));
    }

    const int CollisionWithCar = 10, CollisionWithEnvironment = 11;

    static PluginMessage? ClientEvent(ref PluginReader r)
    {
        int type = r.U8("event type"), car = r.U8("car id");
        int? other = null;
        if (type == CollisionWithCar) other = r.U8("other car id");
        else if (type != CollisionWithEnvironment)
            r.Fail(MalformedReason.UnknownEventType, $"event type {type} is neither {CollisionWithCar} (with a car) nor {CollisionWithEnvironment} (with the environment)");
        return new PluginMessage.Collision(car, other, r.F32("impact speed"), r.Vector("world position"), r.Vector("relative position"));
    }
}

/// <summary>Why a datagram did not decode.</summary>
public enum MalformedReason { None, Empty, UnknownId, Truncated, FitsNeitherForm, UnknownEventType }

/// <summary>
/// One datagram, decoded: <see cref="Message"/> when it is a complete message (with <see cref="Trailing"/> bytes after
/// it left unread), otherwise null with the <see cref="Reason"/> and a <see cref="Why"/> for the log.
/// <see cref="Id"/> is the first byte (−1 for an empty datagram), <see cref="Name"/> the table's name for it ("" if none).
/// </summary>
public readonly record struct PluginDatagram(int Id, string Name, PluginMessage? Message, MalformedReason Reason, string? Why, int Trailing);

/// <summary>
/// A cursor over one datagram. The first read past the end fails it (<see cref="Failure"/>, <see cref="Why"/>); every
/// read after that returns 0 or "", so a decoder reads its whole layout and the table looks at the failure once.
/// </summary>
public ref struct PluginReader(ReadOnlySpan<byte> datagram, int at)
{
    readonly ReadOnlySpan<byte> bytes = datagram;
    int at = at;

    public MalformedReason Failure { get; private set; }
    public string? Why { get; private set; }
    public readonly int Left => bytes.Length - at;

    public void Fail(MalformedReason reason, string why)
    {
        if (Failure != MalformedReason.None) return;
        Failure = reason;
        Why = why;
    }

    bool Take(int count, string field, out ReadOnlySpan<byte> taken)
    {
        taken = default;
        if (Failure != MalformedReason.None) return false;
        if (count > Left)
        {
            Fail(MalformedReason.Truncated, $"ends inside the {field} (byte {at} needs {count}, {Left} left)");
            return false;
        }
        taken = bytes.Slice(at, count);
        at += count;
        return true;
    }

    public int U8(string field) => Take(1, field, out var b) ? b[0] : 0;
    public int U16(string field) => Take(2, field, out var b) ? BinaryPrimitives.ReadUInt16LittleEndian(b) : 0;
    public long U32(string field) => Take(4, field, out var b) ? BinaryPrimitives.ReadUInt32LittleEndian(b) : 0;
    public int I32(string field) => Take(4, field, out var b) ? BinaryPrimitives.ReadInt32LittleEndian(b) : 0;
    public float F32(string field) => Take(4, field, out var b) ? BinaryPrimitives.ReadSingleLittleEndian(b) : 0;
    public Vector3 Vector(string field) => new(F32(field), F32(field), F32(field));

    /// <summary>An A string: a byte count, then that many bytes of UTF-8.</summary>
    public string A(string field) => Text(U8(field), 1, field);

    /// <summary>A W string: a character count, then four bytes (UTF-32LE) a character.</summary>
    public string W(string field) => Text(U8(field), 4, field);

    /// <summary>
    /// A string sent as A by one server and W by another, with <paramref name="after"/> bytes of the message after it:
    /// the bytes left decide which (an empty one reads the same either way). UDP delivers whole datagrams, so this
    /// holds for what a server sends; a W string cut short by three bytes a character would read as an A one.
    /// </summary>
    public string AOrW(string field, int after)
    {
        int count = U8(field);
        if (Failure != MalformedReason.None || Left == count * 4 + after) return Text(count, 4, field);
        if (Left == count + after) return Text(count, 1, field);
        Fail(MalformedReason.FitsNeitherForm, $"the {Left} bytes left fit neither a W {field} of {count} characters ({count * 4} bytes) nor an A one ({count} bytes) and the {after} after it");
        return "";
    }

    string Text(int count, int width, string field)
    {
        if (!Take(count * width, field, out var b) || count == 0) return "";
        // Both decoders put U+FFFD for bytes that are not text; neither throws.
        return width == 1 ? Encoding.UTF8.GetString(b) : Encoding.UTF32.GetString(b);
    }
}

/// <summary>What a plugin link has received: complete messages, those with trailing bytes, malformed ones by reason. Safe across threads.</summary>
public sealed class PluginDatagramCounts
{
    readonly long[] malformed = new long[Enum.GetValues<MalformedReason>().Length];
    long decoded, withTrailingBytes;

    public void Add(in PluginDatagram datagram)
    {
        if (datagram.Message is null) Interlocked.Increment(ref malformed[(int)datagram.Reason]);
        else
        {
            Interlocked.Increment(ref decoded);
            if (datagram.Trailing > 0) Interlocked.Increment(ref withTrailingBytes);
        }
    }

    public long Decoded => Interlocked.Read(ref decoded);
    public long WithTrailingBytes => Interlocked.Read(ref withTrailingBytes);
    public long Malformed(MalformedReason reason) => Interlocked.Read(ref malformed[(int)reason]);

    public long MalformedTotal
    {
        get
        {
            long total = 0;
            for (int i = 0; i < malformed.Length; i++) total += Interlocked.Read(ref malformed[i]);
            return total;
        }
    }
}
