namespace AcWs.Runtime;

/// <summary>
/// A wait that doubles each time it is taken, up to a limit, and starts over on <see cref="Reset"/>: the one
/// back-off of crash restarts and lobby re-registration.
/// </summary>
public sealed class Backoff(TimeSpan first, TimeSpan max)
{
    long nextTicks = first.Ticks;

    /// <summary>The wait to take now; the next one is twice as long (at most the limit).</summary>
    public TimeSpan Next()
    {
        long now, doubled;
        do
        {
            now = Interlocked.Read(ref nextTicks);
            doubled = Math.Min(max.Ticks, now * 2);
        } while (Interlocked.CompareExchange(ref nextTicks, doubled, now) != now);
        return TimeSpan.FromTicks(now);
    }

    public void Reset() => Interlocked.Exchange(ref nextTicks, first.Ticks);
}
