using System.Buffers;
using System.Text;
using System.Threading.Channels;

namespace AcWs.Runtime;

/// <summary>
/// acws's log: one line per connection and per command, written to stdout by a background task, so a slow
/// or stalled reader of stdout (a full pipe, a paused terminal) never holds up a command. When the reader
/// falls 10,000 lines behind, new lines are dropped and counted, and the count is logged once it catches up.
/// A line is always one line: text from clients (commands, headers) cannot forge another line or reach the
/// terminal as an escape sequence.
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
        if (!lines.Writer.TryWrite($"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {Escape(line)}")) Interlocked.Increment(ref dropped);
    }

    /// <summary>
    /// Control characters (C0 with CR, LF and ESC; DEL; C1) become <c>\xNN</c>; Unicode line breaks and bidi
    /// controls, which can also make a log line look like something else, become <c>\uNNNN</c>.
    /// </summary>
    public static string Escape(string text)
    {
        if (!text.AsSpan().ContainsAny(Unsafe)) return text;
        var escaped = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (char.IsControl(c)) escaped.Append($"\\x{(int)c:X2}");
            else if (Unsafe.Contains(c)) escaped.Append($"\\u{(int)c:X4}");
            else escaped.Append(c);
        }
        return escaped.ToString();
    }

    static readonly SearchValues<char> Unsafe = SearchValues.Create(
        [.. Enumerable.Range(0, 0xA0).Select(i => (char)i).Where(char.IsControl),
         '\u200E', '\u200F', '\u2028', '\u2029', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']);

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
