using System.Text.Json;
using System.Text.Json.Serialization;

namespace AcWs.Commands;

/// <summary>
/// One frame of the protocol, Google JSON style: <c>{"data":{...}}</c> or <c>{"error":{"msg":...}}</c>.
/// <see cref="Then"/> is a further reply sent right after this one (e.g. the two steps of <c>server restart</c>).
/// </summary>
public sealed record Reply
{
    public object? Data { get; init; }
    public ErrorBody? Error { get; init; }
    [JsonIgnore] public Reply? Then { get; init; }
    /// <summary><c>"more":true</c> beside <c>data</c>: another reply to the same command follows (the steps of a restart).</summary>
    public bool? More => Then is null ? null : true;
    /// <summary>
    /// A change of shared state: a copy of this reply is pushed to every other connected client, as the original
    /// sent every reply to everyone, marked with <c>"event":true</c> and this topic (see <see cref="ToEventUtf8"/>).
    /// </summary>
    [JsonIgnore] public string? Topic { get; init; }
    /// <summary>Runs once this reply is queued for its client (e.g. let the events of a just-started child flow).</summary>
    [JsonIgnore] public Action? AfterSent { get; init; }

    [JsonIgnore] public bool IsError => Error is not null;
    /// <summary>The bytes of <c>{"data":Of}</c>, already serialised (<see cref="ReplyMemo"/>); ignored once <c>with</c> changed what they show.</summary>
    [JsonIgnore] internal (object Of, byte[] Bytes)? Serialized { get; init; }

    public static Reply Ok(IWireData data) => new() { Data = data };
    public static Reply Msg(string msg) => Ok(new MsgData(msg));
    public static Reply Fail(string msg) => new() { Error = new ErrorBody(msg) };
    /// <summary>An error nobody asked about (a crash, a failed automatic retry), pushed to every client: <c>{"error":{"msg":...,"event":true}}</c>.</summary>
    public static Reply FailEvent(string msg) => new() { Error = new ErrorBody(msg, Event: true) };

    public byte[] ToUtf8() => Serialized is { } kept && ReferenceEquals(kept.Of, Data) && Then is null && Error is null
        ? kept.Bytes : WireJson.ToUtf8(this);

    /// <summary>
    /// This reply as a pushed frame: its own keys, plus <c>"event":true</c> and <c>"topic"</c> inside <c>data</c>
    /// (an error gets them inside <c>error</c>). Clients that know the original's keys read them unchanged;
    /// clients of acws tell a push from the reply to their own command by the marker, and what it is about by the topic.
    /// </summary>
    public byte[] ToEventUtf8(string topic)
    {
        if (Data is null) return (this with { Error = Error! with { Event = true, Topic = topic } }).ToUtf8();
        // Data serialises to a compact JSON object, so the marker goes in before its closing brace.
        byte[] data = WireJson.ToUtf8(w => WireJson.Write(w, Data));
        ReadOnlySpan<byte> comma = data.Length > 2 ? ","u8 : ""u8;
        return [.. "{\"data\":"u8, .. data.AsSpan(0, data.Length - 1), .. comma, .. "\"event\":true,\"topic\":"u8,
            .. WireJson.ToUtf8(w => w.WriteStringValue(topic)), .. "}}"u8];
    }

    /// <summary>
    /// The one envelope of a pushed event: <c>{"data":{"TOPIC":BODY,"event":true,"topic":"TOPIC"}}</c>, where BODY is
    /// <c>{"event":PAYLOAD}</c> (the original's server, session and lobby events) or the payload itself (its driver events).
    /// </summary>
    public static byte[] Event(string topic, IWireData payload, bool underEvent) => WireJson.ToUtf8(w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("data");
        w.WritePropertyName(topic);
        if (underEvent)
        {
            w.WriteStartObject();
            w.WritePropertyName("event");
        }
        WireJson.Write(w, payload);
        if (underEvent) w.WriteEndObject();
        w.WriteBoolean("event", true);
        w.WriteString("topic", topic);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToUtf8());
}

/// <summary>
/// <see cref="Event"/> marks a pushed error, so clients can tell it from the reply to their command; <see cref="Topic"/>
/// says what it is about when it is a copy of another client's failed change.
/// </summary>
public sealed record ErrorBody(string Msg, bool? Event = null, string? Topic = null);
/// <summary>A message; <c>note</c> adds what the message alone does not say (left out when null).</summary>
public sealed record MsgData(string Msg, string? Note = null) : IWireData;
