namespace AcWs.Live;

/// <summary>
/// The grammar of a server not yet known: undecided until a line tells which server prints it, then that server's
/// grammar for the rest of the run. AssettoServer's first line is <c>[hh:mm:ss INF] AssettoServer &lt;version&gt;</c>;
/// acServer prints its banner (<c>Assetto Corsa Dedicated Server v…</c>) or another line only it prints.
/// Lines before the decision are fed to acServer's grammar (it ignores what it does not know), so a server that
/// never says which it is behaves as before.
/// </summary>
public sealed class ServerGrammar : ILogGrammar
{
    ILogGrammar? decided;
    readonly AcServerGrammar undecided = new();

    public IReadOnlyList<LiveEvent> Feed(string line)
    {
        if (decided is null)
        {
            if (AssettoServerGrammar.Split(line) is (_, var text) && text.StartsWith(AssettoServerGrammar.Kind + " ", StringComparison.Ordinal))
                decided = new AssettoServerGrammar();
            else if (line.StartsWith("Assetto Corsa Dedicated Server ", StringComparison.Ordinal) || line.StartsWith("CARS=", StringComparison.Ordinal))
                decided = undecided;
            else return undecided.Feed(line);
        }
        return decided.Feed(line);
    }
}
