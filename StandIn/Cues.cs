using System.Runtime.InteropServices;
using System.Text;

namespace AcWs.StandIn;

/// <summary>
/// What a stand-in server is told to do: cue lines appended to <c>standin.control</c> in the server folder (or
/// <c>--control FILE</c>), a timed script of its own (<c>--auto</c>), and SIGTERM, which stops it unless
/// <see cref="IgnoreSigterm"/> was cued.
/// </summary>
public sealed class Cues : IDisposable
{
    readonly string control;
    readonly CancellationTokenSource stop = new();
    readonly PosixSignalRegistration term;
    readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    Queue<(TimeSpan At, string Command)> script = new();
    bool ignoreTerm;
    long offset;

    public Cues(string[] args)
    {
        int c = Array.IndexOf(args, "--control");
        control = c >= 0 && c + 1 < args.Length ? args[c + 1] : "standin.control";
        term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            if (!Volatile.Read(ref ignoreTerm)) stop.Cancel();
        });
    }

    public bool Stopped => stop.IsCancellationRequested;
    public TimeSpan Elapsed => clock.Elapsed;
    public bool ScriptDone => script.Count == 0;
    public void Play(Queue<(TimeSpan At, string Command)> next) => script = next;
    public void IgnoreSigterm() => Volatile.Write(ref ignoreTerm, true);

    /// <summary>A timed script from <paramref name="from"/>: <paramref name="write"/> adds each cue after a wait in seconds.</summary>
    public static Queue<(TimeSpan At, string Command)> Script(TimeSpan from, Action<Action<double, string>> write)
    {
        var q = new Queue<(TimeSpan, string)>();
        var t = from;
        write((seconds, command) => { t += TimeSpan.FromSeconds(seconds); q.Enqueue((t, command)); });
        return q;
    }

    /// <summary>The cues due now, each as (word in lower case, the rest); waits a moment first when there are none.</summary>
    public List<(string Word, string Arg)> Next()
    {
        var commands = new List<string>();
        while (script.Count > 0 && script.Peek().At <= clock.Elapsed) commands.Add(script.Dequeue().Command);
        commands.AddRange(ReadNewLines());
        if (commands.Count == 0)
            try { Task.Delay(50, stop.Token).Wait(); } catch (AggregateException) { }
        return [.. commands.Select(command => command.Trim().Split(' ', 2, StringSplitOptions.TrimEntries))
            .Select(words => (words[0].ToLowerInvariant(), words.Length > 1 ? words[1] : ""))];
    }

    IEnumerable<string> ReadNewLines()
    {
        try
        {
            using var f = new FileStream(control, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (f.Length <= offset) return [];
            f.Seek(offset, SeekOrigin.Begin);
            var bytes = new byte[f.Length - offset];
            int read = f.Read(bytes);
            int end = Array.LastIndexOf(bytes, (byte)'\n', read - 1);
            if (end < 0) return [];
            offset += end + 1;
            return Encoding.UTF8.GetString(bytes, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException) { return []; }
    }

    public void Dispose()
    {
        term.Dispose();
        stop.Dispose();
    }
}
