using System.Buffers.Binary;
using System.Text;

namespace AcWs.Live;

/// <summary>
/// The plugin → server half of acServer's UDP plugin protocol: one datagram per command, laid out as the fixture
/// README's second table says. The parameter types are the wire's, so every value fits; a text longer than
/// <see cref="MaxTextChars"/> characters is cut there (a W string's count is one byte), so a command that must not
/// lose text checks <see cref="TextChars"/> first.
/// </summary>
public static class PluginCommand
{
    public const byte RealtimePosIntervalId = 200, GetCarInfoId = 201, SendChatId = 202, BroadcastChatId = 203,
        GetSessionInfoId = 204, SetSessionInfoId = 205, KickUserId = 206, NextSessionId = 207, RestartSessionId = 208,
        AdminCommandId = 209;

    public const int MaxTextChars = byte.MaxValue;

    /// <summary>How often the server sends CAR_UPDATE, in milliseconds; 0 turns it off.</summary>
    public static byte[] RealtimePosInterval(ushort intervalMs) => new Writer(RealtimePosIntervalId, 2).U16(intervalMs).Done();

    /// <summary>Answered with CAR_INFO (AssettoServer stays silent for a car that is not connected).</summary>
    public static byte[] GetCarInfo(byte carId) => new Writer(GetCarInfoId, 1).U8(carId).Done();

    public static byte[] SendChat(byte carId, string message) => new Writer(SendChatId, 1 + WSize(message)).U8(carId).W(message).Done();
    public static byte[] BroadcastChat(string message) => new Writer(BroadcastChatId, WSize(message)).W(message).Done();

    /// <summary>Answered with SESSION_INFO, or ERROR when out of range; −1 asks for the current session.</summary>
    public static byte[] GetSessionInfo(short sessionIndex = -1) => new Writer(GetSessionInfoId, 2).I16(sessionIndex).Done();

    public static byte[] SetSessionInfo(byte sessionIndex, string name, PluginSessionType type, uint laps, uint timeSeconds, uint waitSeconds) =>
        new Writer(SetSessionInfoId, 1 + WSize(name) + 1 + 12).U8(sessionIndex).W(name).U8((byte)type)
            .U32(laps).U32(timeSeconds).U32(waitSeconds).Done();

    /// <summary>ERROR when the car id is out of range.</summary>
    public static byte[] KickUser(byte carId) => new Writer(KickUserId, 1).U8(carId).Done();

    /// <summary>The server answers with END_SESSION then NEW_SESSION.</summary>
    public static byte[] NextSession() => [NextSessionId];
    public static byte[] RestartSession() => [RestartSessionId];

    /// <summary>As an admin would type it in the chat, e.g. <c>/ballast 3 50</c>.</summary>
    public static byte[] AdminCommand(string command) => new Writer(AdminCommandId, WSize(command)).W(command).Done();

    /// <summary>The characters (Unicode scalar values) a W string of <paramref name="text"/> would carry, uncut.</summary>
    public static int TextChars(string text)
    {
        int count = 0;
        foreach (var _ in text.EnumerateRunes()) count++;
        return count;
    }

    static int WSize(string text) => 1 + 4 * Math.Min(TextChars(text), MaxTextChars);

    /// <summary>Fills one datagram of a known size: the id, then the fields in order.</summary>
    ref struct Writer
    {
        readonly byte[] bytes;
        int at;

        public Writer(byte id, int size)
        {
            bytes = new byte[1 + size];
            bytes[0] = id;
            at = 1;
        }

        public Writer U8(byte value) { bytes[at++] = value; return this; }
        public Writer U16(ushort value) { BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), value); at += 2; return this; }
        public Writer I16(short value) { BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(at), value); at += 2; return this; }
        public Writer U32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value); at += 4; return this; }

        /// <summary>A W string, cut at <see cref="MaxTextChars"/>; a lone surrogate goes as U+FFFD.</summary>
        public Writer W(string text)
        {
            int count = Math.Min(TextChars(text), MaxTextChars);
            bytes[at++] = (byte)count;
            foreach (Rune rune in text.EnumerateRunes())
            {
                if (count-- == 0) break;
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), rune.Value);
                at += 4;
            }
            return this;
        }

        public readonly byte[] Done() => bytes;
    }
}
