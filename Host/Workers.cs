namespace AcWs.Host;

/// <summary>
/// Where commands that can block (read or parse a file, hash, call HTTP, start or stop a process) run: the thread
/// pool, at most <see cref="Limit"/> at a time, so a burst of them cannot take every pool thread while the socket
/// threads keep answering everything else.
/// </summary>
public static class Workers
{
    public static readonly int Limit = Math.Max(4, 2 * Environment.ProcessorCount);
    static readonly SemaphoreSlim slots = new(Limit);

    public static async Task<T> RunAsync<T>(Func<ValueTask<T>> work)
    {
        await slots.WaitAsync();
        try { return await Task.Run(async () => await work()); }
        finally { slots.Release(); }
    }
}
