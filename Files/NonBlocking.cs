namespace AcWs.Files;

/// <summary>
/// Marks a thread that must not block (the socket engine's thread while it answers a command inline, see
/// a read-only command, <c>Commands.Command.ReadOnly</c>): reading or parsing a file calls <see cref="Check"/> first, which throws
/// <see cref="WouldBlockException"/> there, so the command is run again where blocking is allowed.
/// </summary>
public static class NonBlocking
{
    [ThreadStatic] static bool marked;
    [ThreadStatic] static long scopes;

    /// <summary>
    /// Which marked stretch this thread is in (0: none). An inline command runs whole within one, without waiting,
    /// so what it looks up once there (<see cref="FolderWatch.Generation"/>) holds for the rest of it.
    /// </summary>
    public static long CurrentScope => marked ? scopes : 0;

    public static void Check(string what)
    {
        if (marked) throw new WouldBlockException(what);
    }

    /// <summary>Marks this thread until disposed.</summary>
    public static Scope Enter() { marked = true; scopes++; return default; }

    public readonly struct Scope : IDisposable
    {
        public void Dispose() => marked = false;
    }
}

/// <summary>Work that can block was reached on a thread that must not block.</summary>
public sealed class WouldBlockException(string what) : Exception($"{what} would block the socket thread");
