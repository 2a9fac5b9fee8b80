using System.Threading.Channels;

namespace AcWs;

/// <summary>
/// acws's log: one line per connection and per command, written to stdout by a background task, so a slow
/// or stalled reader of stdout (a full pipe, a paused terminal) never holds up a command. When the reader
/// falls 10,000 lines behind, new lines are dropped and counted, and the count is logged once it catches up.
/// </summary>
public sealed class LogWriter
{
    readonly TextWriter output;
    readonly Channel<string> lines = Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    readonly Task pump;
    int dropped;

    public LogWriter(TextWriter output)
    {
        this.output = output;
        pump = Task.Run(PumpAsync);
    }

    public void Write(string line)
    {
        if (!lines.Writer.TryWrite($"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {line}")) Interlocked.Increment(ref dropped);
    }

    async Task PumpAsync()
    {
        try
        {
            await foreach (var line in lines.Reader.ReadAllAsync())
            {
                if (Interlocked.Exchange(ref dropped, 0) is int lost and > 0)
                    output.WriteLine($"{DateTime.Now:yyyy-MM-dd HH:mm:ss} ({lost} log lines dropped: stdout was not being read)");
                output.WriteLine(line);
                if (lines.Reader.Count == 0) output.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { /* stdout is gone: nothing to log to */ }
    }

    /// <summary>Writes what is queued (waiting at most <paramref name="limit"/>) and stops taking lines.</summary>
    public async Task CloseAsync(TimeSpan limit)
    {
        lines.Writer.TryComplete();
        await Task.WhenAny(pump, Task.Delay(limit));
    }
}
