using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AcWs.Commands;

// How replies become bytes. The context is generated for serialisation only, so STJ can run nothing but its
// generated writers, and it runs them only under options equal to the generated ones: the relaxed encoder therefore
// goes on the writer, not on the options, and the reply envelope (whose data is typed object, which the generator
// cannot write) is written here by hand.
public sealed partial class WireJson
{
    /// <summary>
    /// A writer like <see cref="Default"/>'s, but quotes and accents stay as they are (<c>'server infp'</c>, not
    /// <c>\u0027server infp\u0027</c>). Replies are JSON for programs, never inlined into HTML.
    /// </summary>
    public static Utf8JsonWriter Writer(IBufferWriter<byte> buffer) => new(buffer, new JsonWriterOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static byte[] ToUtf8<T>(T value, JsonTypeInfo<T> type) => ToUtf8(w => JsonSerializer.Serialize(w, value, type));

    /// <summary>A wire value known only by its run-time type (a reply's data, an event's payload).</summary>
    public static void Write(Utf8JsonWriter w, object value) =>
        JsonSerializer.Serialize(w, value, Default.GetTypeInfo(value.GetType())
            ?? throw new NotSupportedException($"{value.GetType().Name} is not in WireJson"));

    /// <summary><c>{"data":…}</c> or <c>{"error":…}</c>, then <c>"more":true</c> when another reply follows.</summary>
    public static byte[] ToUtf8(Reply reply) => ToUtf8(w =>
    {
        w.WriteStartObject();
        if (reply.Data is not null)
        {
            w.WritePropertyName("data");
            Write(w, reply.Data);
        }
        if (reply.Error is not null)
        {
            w.WritePropertyName("error");
            JsonSerializer.Serialize(w, reply.Error, Default.ErrorBody);
        }
        if (reply.More is true) w.WriteBoolean("more", true);
        w.WriteEndObject();
    });

    /// <summary>
    /// Writes into this thread's scratch buffer and returns a copy of what was written: a reply allocates its bytes
    /// (and the caller's closure), not a buffer and a writer of its own. A write nested in another (none today) gets a fresh buffer; one that grew the scratch past
    /// <see cref="ScratchKeptBytes"/> (a 13.6 KB `server info` does not) leaves it to be collected.
    /// </summary>
    public static byte[] ToUtf8(Action<Utf8JsonWriter> write)
    {
        var scratch = Scratch.Take();
        try
        {
            write(scratch.Writer);
            scratch.Writer.Flush();
            return scratch.Buffer.WrittenSpan.ToArray();
        }
        finally { Scratch.Give(scratch); }
    }

    const int ScratchKeptBytes = 64 * 1024;

    sealed class Scratch
    {
        [ThreadStatic] static Scratch? idle;

        public readonly ArrayBufferWriter<byte> Buffer = new(1024);
        public readonly Utf8JsonWriter Writer;

        Scratch() => Writer = WireJson.Writer(Buffer);

        public static Scratch Take()
        {
            var s = idle ?? new Scratch();
            idle = null;
            return s;
        }

        public static void Give(Scratch s)
        {
            if (s.Buffer.Capacity > ScratchKeptBytes) return;
            s.Buffer.ResetWrittenCount();
            s.Writer.Reset(s.Buffer);
            idle = s;
        }
    }
}
