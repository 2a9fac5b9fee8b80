using AcWs.Ini;

namespace AcWs.Commands;

/// <summary>
/// The serialised bytes of the last reply of one kind (<c>server info</c>, <c>server entries</c> …), sent again
/// while the next reply's data is equal to it. The data itself is the key: every reply is built in full (what it
/// shows of the child, the lobby, the tracker, the clock), only its serialising is skipped, so a change to
/// anything it shows is a different key and can never be served stale. Parts derived from a file are kept by the
/// parsed file's instance (<see cref="KeptBy{TValue}"/>), so they compare equal by reference while the file is
/// unchanged. Shared by every agent of the process: equal data serialises to equal bytes wherever it comes from.
/// </summary>
public sealed class ReplyMemo
{
    sealed record Slot(IWireData Data, byte[] Bytes);
    Slot? last;

    public Reply Ok(IWireData data)
    {
        var seen = Volatile.Read(ref last);
        if (seen is not null && seen.Data.Equals(data)) return Reply.Ok(seen.Data) with { Serialized = (seen.Data, seen.Bytes) };
        var reply = Reply.Ok(data);
        var bytes = reply.ToUtf8();
        Volatile.Write(ref last, new Slot(data, bytes));
        return reply with { Serialized = (data, bytes) };
    }
}

/// <summary>
/// A value derived from a parsed file that is only read (<see cref="Files.ServerFolder.Peek"/>), kept while the
/// next call passes the same instance and the same detail: one slot, rebuilt when either differs.
/// </summary>
public sealed class KeptBy<TValue>(Func<IniDocument, string?, TValue> make)
{
    sealed record Slot(IniDocument Source, string? Detail, TValue Value);
    Slot? last;

    public TValue Of(IniDocument source, string? detail = null)
    {
        var seen = Volatile.Read(ref last);
        if (seen is not null && ReferenceEquals(seen.Source, source) && seen.Detail == detail) return seen.Value;
        var value = make(source, detail);
        Volatile.Write(ref last, new Slot(source, detail, value));
        return value;
    }
}
