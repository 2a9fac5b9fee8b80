using System.Security.Cryptography;
using AcWs.Ini;
using AcWs.Results;

namespace AcWs.Commands;

/// <summary>
/// What the clients have prepared and not yet written, shared by every client: edits of cfg/server_cfg.ini
/// (<c>server session …</c>) and the next race's grid (<c>grid finish|reverse</c>).
/// </summary>
public sealed class Pending
{
    /// <summary>Edits of cfg/server_cfg.ini, until written or discarded.</summary>
    public PendingConfig Config { get; } = new();
    /// <summary>The grid computed by <c>grid finish</c>/<c>grid reverse</c>, waiting for <c>grid save</c>.</summary>
    public GridState Grid { get; } = new();

    /// <summary>The SHA-256 of a file's bytes, as both kinds of pending work remember the file they started from.</summary>
    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}


/// <summary>
/// Edited server_cfg.ini bytes not yet written: the SHA-256 of the file on disk they were based on (to refuse a
/// write over a file that changed meanwhile), and what each edit did (to say what is dropped when it did).
/// </summary>
public sealed record PendingEdits(string BasedOnSha256, byte[] Edited, IReadOnlyList<string> Made)
{
    public bool IsBasedOn(ReadOnlySpan<byte> onDisk) => Pending.Hash(onDisk) == BasedOnSha256;
    public string Dropped => string.Join("; ", Made);
}

/// <summary>What one edit did to the pending file: an error (nothing kept), or a message saying what changed.</summary>
public readonly record struct EditOutcome(string? Error, string Msg)
{
    public static EditOutcome Fail(string error) => new(error, "");
    public static EditOutcome Done(string msg) => new(null, msg);
}

/// <summary>
/// The agent's pending edits of cfg/server_cfg.ini, shared by every client. Each change is a read-edit-replace of
/// an immutable <see cref="PendingEdits"/> under one lock, on the file as it is on disk at that moment, so two
/// clients editing and writing at once all land, one after the other, and never on an old read.
/// </summary>
public sealed class PendingConfig
{
    readonly Lock gate = new();
    PendingEdits? edits;

    public PendingEdits? Current { get { lock (gate) return edits; } }

    /// <summary>
    /// Runs <paramref name="edit"/> on the pending file, or on the file on disk (read by <paramref name="readDisk"/>
    /// under the lock) when nothing is pending. Pending edits based on a file that has changed on disk since are
    /// dropped first, and <c>Dropped</c> says which. Edits that bring the file back to what is on disk leave
    /// nothing pending.
    /// </summary>
    public (IniDocument? Edited, string Msg, string? Error, string? Dropped) Edit(
        Func<(IniDocument? Doc, string? Error)> readDisk, Func<IniDocument, EditOutcome> edit)
    {
        lock (gate)
        {
            var (onDisk, readError) = readDisk();
            if (onDisk is null) return (null, "", readError, null);
            byte[] diskBytes = onDisk.ToBytes();
            string? dropped = null;
            if (edits is not null && !edits.IsBasedOn(diskBytes))
            {
                dropped = edits.Dropped;
                edits = null;
            }
            var doc = edits is null ? onDisk : IniDocument.Parse(edits.Edited, onDisk.Name);
            var outcome = edit(doc);
            if (outcome.Error is not null) return (null, "", outcome.Error, dropped);
            var bytes = doc.ToBytes();
            edits = bytes.AsSpan().SequenceEqual(diskBytes)
                ? null
                : new PendingEdits(Pending.Hash(diskBytes), bytes, [.. edits?.Made ?? [], outcome.Msg]);
            return (doc, outcome.Msg, null, dropped);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> with the pending edits while no other edit can slip in. The edits are dropped
    /// when it succeeds, and also when it reports that the file changed on disk (they were based on an old file:
    /// <c>Dropped</c> says what they were). Returns whether anything was pending, and the write's error.
    /// </summary>
    public (bool WasPending, string? Error, string? Dropped) Commit(Func<PendingEdits, (bool Changed, string? Error)> write)
    {
        lock (gate)
        {
            if (edits is null) return (false, null, null);
            var (changed, error) = write(edits);
            string? dropped = changed ? edits.Dropped : null;
            if (changed || error is null) edits = null;
            return (true, error, dropped);
        }
    }

    /// <summary>Drops the pending edits; returns whether there were any.</summary>
    public bool Discard()
    {
        lock (gate)
        {
            bool had = edits is not null;
            edits = null;
            return had;
        }
    }
}


/// <summary>
/// The grid computed by <c>grid finish</c>/<c>grid reverse</c> and not yet saved. Immutable: a new
/// computation replaces the whole record, so concurrent clients always see one complete grid.
/// <see cref="EntryListSha256"/> is the hash of the entry_list.ini bytes it was computed from, so a save can
/// refuse a file that changed since.
/// </summary>
public sealed record PendingGrid(string Source, IReadOnlyList<GridPlace> Places, string EntryListSha256)
{
    /// <summary>Position (1-based) → driver, as the protocol shows it.</summary>
    public Dictionary<string, string> Names()
    {
        var names = new Dictionary<string, string>();
        for (int i = 0; i < Places.Count; i++) names[(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)] = Places[i].Driver;
        return names;
    }
}

/// <summary>Where the pending grid lives (one per agent): swapped whole, never edited in place.</summary>
public sealed class GridState
{
    PendingGrid? current;

    public PendingGrid? Current => Volatile.Read(ref current);
    public void Set(PendingGrid grid) => Volatile.Write(ref current, grid);
    /// <summary>Replaces <paramref name="expected"/> only if no other client has set a grid since.</summary>
    public bool Replace(PendingGrid expected, PendingGrid next) => Interlocked.CompareExchange(ref current, next, expected) == expected;

    /// <summary>Held from re-reading entry_list.ini to writing it, so two saves never interleave.</summary>
    public Lock Saving { get; } = new();
}
