namespace AcWs.Live;

/// <summary>
/// What a starting server's first lines say about its start, for the start path: whether the server announces when
/// it is up (AssettoServer does, with <c>Server startup completed</c>), whether it did, and the fatal error it
/// printed. It reads the lines with a grammar of its own, as they come, while the lines themselves wait for the
/// start's reply to go out. Lines come from the child's two output readers at once.
/// </summary>
public sealed class StartWatch(ILogGrammar grammar, string? expectedKind)
{
    readonly Lock gate = new();
    readonly TaskCompletionSource decided = new(TaskCreationOptions.RunContinuationsAsynchronously);
    string? kind = expectedKind, fatalReason;

    /// <summary>Whether a start should wait for the server to say it is up (or failed): AssettoServer, by its name or first line.</summary>
    public bool AnnouncesReady { get { lock (gate) return kind == AssettoServerGrammar.Kind; } }
    /// <summary>The fatal error printed so far, as printed; a later line may say it better (see <see cref="FatalError"/>).</summary>
    public string? FatalReason { get { lock (gate) return fatalReason; } }
    /// <summary>Completes when the server said it is up or printed a fatal error.</summary>
    public Task Decided => decided.Task;

    public void See(string line)
    {
        lock (gate)
            foreach (var e in grammar.Feed(line))
                switch (e)
                {
                    case ServerStarting s: kind = s.Kind; break;
                    case ServerReady: decided.TrySetResult(); break;
                    case FatalError f:
                        fatalReason = f.Reason;
                        decided.TrySetResult();
                        break;
                }
    }
}
