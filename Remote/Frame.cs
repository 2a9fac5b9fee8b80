using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AcWs.Remote;

/// <summary>
/// One frame from acws as <c>acws call</c> sees it: its text, and the few keys it acts on, read with a
/// <see cref="Utf8JsonReader"/> (no JsonDocument: it would cost the binary more than this whole client).
/// </summary>
/// <summary><see cref="More"/>: the top-level <c>"more":true</c> of a reply that another reply to the same command follows.</summary>
public sealed record Frame(byte[] Utf8, bool IsData, bool IsError, bool IsPush, string? Topic, string? Msg, bool HasVersion, bool More = false)
{
    public string Text => Encoding.UTF8.GetString(Utf8);

    /// <summary>Reads <c>{"data"|"error": {"event":…, "topic":…, "msg":…, "version":…, …}}</c>; throws JsonException if it is not JSON.</summary>
    public static Frame Read(byte[] utf8)
    {
        var r = new Utf8JsonReader(utf8);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) throw new JsonException("not a JSON object");
        bool isData = false, isError = false, push = false, hasVersion = false, more = false;
        string? topic = null, msg = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            string key = r.GetString()!;
            r.Read();
            isData |= key == "data";
            isError |= key == "error";
            more |= key == "more" && r.TokenType == JsonTokenType.True;
            if (key is not ("data" or "error") || r.TokenType != JsonTokenType.StartObject) { r.Skip(); continue; }
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                string inner = r.GetString()!;
                r.Read();
                switch (inner)
                {
                    case "event": push = r.TokenType == JsonTokenType.True; break;
                    case "topic" when r.TokenType == JsonTokenType.String: topic = r.GetString(); break;
                    case "msg" when r.TokenType == JsonTokenType.String: msg = r.GetString(); break;
                    case "version": hasVersion = true; break;
                }
                r.Skip();
            }
        }
        return new Frame(utf8, isData, isError, push, topic, msg, hasVersion, more);
    }

    /// <summary>The same JSON indented, for people (<c>--pretty</c>).</summary>
    public static string Indented(byte[] utf8)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var r = new Utf8JsonReader(utf8);
            while (r.Read())
            {
                switch (r.TokenType)
                {
                    case JsonTokenType.StartObject: w.WriteStartObject(); break;
                    case JsonTokenType.EndObject: w.WriteEndObject(); break;
                    case JsonTokenType.StartArray: w.WriteStartArray(); break;
                    case JsonTokenType.EndArray: w.WriteEndArray(); break;
                    case JsonTokenType.PropertyName: w.WritePropertyName(r.GetString()!); break;
                    case JsonTokenType.String: w.WriteStringValue(r.GetString()); break;
                    default: w.WriteRawValue(r.ValueSpan, skipInputValidation: true); break; // numbers, true, false, null
                }
            }
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
