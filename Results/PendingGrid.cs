using System.Security.Cryptography;

namespace AcWs.Results;

/// <summary>
/// The grid computed by <c>grid finish</c>/<c>grid reverse</c> and not yet saved. Immutable: a new
/// computation replaces the whole record, so concurrent clients always see one complete grid.
/// <see cref="EntryListSha256"/> is the hash of the entry_list.ini bytes it was computed from, so a save can
/// refuse a file that changed since.
/// </summary>
public sealed record PendingGrid(string Source, IReadOnlyList<GridPlace> Places, string EntryListSha256)
{
    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes));

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
