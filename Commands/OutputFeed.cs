using AcWs.Live;

namespace AcWs.Commands;

/// <summary>
/// One server run's output path: a line → its grammar's events → the live state → the frames clients hear of.
/// Lines come from one reader at a time.
/// </summary>
public sealed class OutputFeed(ILogGrammar grammar, LiveState state)
{
    public LiveState State => state;

    /// <summary>A pushed frame: what it is about, its data, and the event it came from.</summary>
    public readonly record struct Heard(string Topic, object Data, LiveEvent Event);

    public IReadOnlyList<Heard> Feed(string line)
    {
        List<Heard>? heard = null;
        foreach (var e in grammar.Feed(line))
            if (state.Apply(e) is { } applied && WireEvents.Of(applied, state) is var (topic, data))
                (heard ??= []).Add(new Heard(topic, data, applied));
        return heard ?? (IReadOnlyList<Heard>)[];
    }
}
