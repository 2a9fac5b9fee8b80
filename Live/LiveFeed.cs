namespace AcWs.Live;

/// <summary>
/// One server run's output path: a line → its grammar's events → the live state → the events clients should hear
/// of (mapped to the wire elsewhere). Lines come from one reader at a time.
/// </summary>
public sealed class LiveFeed(ILogGrammar grammar, LiveState state)
{
    public LiveState State => state;

    public IReadOnlyList<LiveEvent> Feed(string line)
    {
        List<LiveEvent>? heard = null;
        foreach (var e in grammar.Feed(line))
            if (state.Apply(e) is { } applied) (heard ??= []).Add(applied);
        return heard ?? (IReadOnlyList<LiveEvent>)[];
    }
}
