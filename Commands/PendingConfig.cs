using AcWs.Ini;

namespace AcWs.Commands;

/// <summary>
/// Edited server_cfg.ini bytes not yet written, and the bytes on disk they were based on
/// (to refuse a write over a file that changed meanwhile).
/// </summary>
public sealed record PendingEdits(byte[] BasedOn, byte[] Edited);

/// <summary>
/// The agent's pending edits of cfg/server_cfg.ini, shared by every client. Each change is a
/// read-edit-replace of an immutable <see cref="PendingEdits"/> under one lock, so two clients
/// editing at once both land, one after the other.
/// </summary>
public sealed class PendingConfig
{
    readonly Lock gate = new();
    PendingEdits? edits;

    public PendingEdits? Current { get { lock (gate) return edits; } }

    /// <summary>
    /// Runs <paramref name="edit"/> on the pending file (or on <paramref name="onDisk"/> when nothing is
    /// pending) and keeps the result unless it returns an error. Returns the edited document, or the error.
    /// Edits that bring the file back to what is on disk leave nothing pending.
    /// </summary>
    public (IniDocument? Edited, string? Error) Edit(IniDocument onDisk, Func<IniDocument, string?> edit)
    {
        lock (gate)
        {
            var basedOn = edits?.BasedOn ?? onDisk.ToBytes();
            var doc = edits is null ? onDisk : IniDocument.Parse(edits.Edited, onDisk.Name);
            if (edit(doc) is string error) return (null, error);
            var bytes = doc.ToBytes();
            edits = bytes.AsSpan().SequenceEqual(basedOn) ? null : new PendingEdits(basedOn, bytes);
            return (doc, null);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> with the pending edits while no other edit can slip in, and drops them
    /// when it succeeds (returns null). Returns whether anything was pending, and the write's error.
    /// </summary>
    public (bool WasPending, string? Error) Commit(Func<PendingEdits, string?> write)
    {
        lock (gate)
        {
            if (edits is null) return (false, null);
            var error = write(edits);
            if (error is null) edits = null;
            return (true, error);
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
