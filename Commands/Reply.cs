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
    /// <summary>Also push this to every other connected client (a change of shared state).</summary>
    [JsonIgnore] public object? Broadcast { get; init; }
    /// <summary>Runs once this reply is queued for its client (e.g. let the events of a just-started child flow).</summary>
    [JsonIgnore] public Action? AfterSent { get; init; }

    [JsonIgnore] public bool IsError => Error is not null;

    public static Reply Ok(object data) => new() { Data = data };
    public static Reply Msg(string msg) => Ok(new MsgData(msg));
    public static Reply Fail(string msg) => new() { Error = new ErrorBody(msg) };
    /// <summary>An error nobody asked about (a crash, a failed automatic retry), pushed to every client: <c>{"error":{"msg":...,"event":true}}</c>.</summary>
    public static Reply FailEvent(string msg) => new() { Error = new ErrorBody(msg, Event: true) };

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, WireJson.Readable.Reply);
    public string ToJson() => JsonSerializer.Serialize(this, WireJson.Readable.Reply);
}

/// <summary><see cref="Event"/> marks a pushed error, so clients can tell it from the reply to their command.</summary>
public sealed record ErrorBody(string Msg, bool? Event = null);
public sealed record MsgData(string Msg);
