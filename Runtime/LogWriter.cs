using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace AcWs.Runtime;

/// <summary>
/// acws's log: one line per connection and per command, written to stdout in batches by a thread of its own, so a
/// slow or stalled reader of stdout (a full pipe, a paused terminal) never holds up a command, and a command costs
/// no thread hop for its line: the first line after a quiet spell wakes the writer, which then writes what came in
/// each 20 ms until 20 ms pass with no line (one wake-up a batch while busy; none while idle). When the reader falls 10,000 lines behind, new lines are dropped and counted, and the count is
/// logged once it catches up. A line is always one line: text from clients (commands, headers) cannot forge another
/// line or reach the terminal as an escape sequence.
/// </summary>
public sealed class LogWriter(TextWriter output)
{
    const int Capacity = 10_000;
    static readonly TimeSpan Batch = TimeSpan.FromMilliseconds(20);

    readonly ConcurrentQueue<string> lines = new();
    readonly Lock writing = new();
    readonly AutoResetEvent wake = new(false);
    int queued, dropped, scheduled, started;
    volatile bool closed, broken;

    public void Write(string line)
    {
        if (closed) return;
        if (Interlocked.Increment(ref queued) > Capacity)
        {
            Interlocked.Decrement(ref queued);
            Interlocked.Increment(ref dropped);
            return;
        }
        lines.Enqueue($"{Stamp()} {Escape(line)}");
        if (Interlocked.CompareExchange(ref scheduled, 1, 0) != 0) return;
        if (Interlocked.Exchange(ref started, 1) == 0)
            new Thread(WriteInBatches, maxStackSize: 256 * 1024) { IsBackground = true, Name = "acws log" }.Start();
        wake.Set();
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

    /// <summary>The local time to the second, formatted once per second rather than once per line.</summary>
    static string Stamp()
    {
        // The UTC clock is cheap to read; the local time (a time zone lookup) is worked out once a second.
        long second = DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond;
        var last = lastStamp;
        if (last is not null && last.Second == second) return last.Text;
        var made = new StampText(second, DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        lastStamp = made;
        return made.Text;
    }

    sealed record StampText(long Second, string Text);
    static volatile StampText? lastStamp;

    /// <summary>
    /// The writer: asleep until a first line comes, then a batch every 20 ms while lines keep coming. Lines queued
    /// while it is busy never wake it (it holds <c>scheduled</c>); it lets go only after a quiet 20 ms, and a line
    /// queued just then is caught by the second look or wakes it again.
    /// </summary>
    void WriteInBatches()
    {
        while (!closed)
        {
            wake.WaitOne();
            while (!closed)
            {
                Thread.Sleep(Batch);
                if (lines.IsEmpty)
                {
                    Volatile.Write(ref scheduled, 0);
                    if (lines.IsEmpty || Interlocked.CompareExchange(ref scheduled, 1, 0) != 0) break;
                }
                WriteQueued();
            }
        }
    }

    /// <summary>
    /// Writes the queued lines as one text (stdout autoflushes each write: one system call a batch, not one a line),
    /// in pieces of at most <see cref="MaxWriteChars"/>.
    /// </summary>
    void WriteQueued()
    {
        lock (writing)
        {
            while (lines.TryDequeue(out var line))
            {
                Interlocked.Decrement(ref queued);
                if (broken) continue;
                if (Interlocked.Exchange(ref dropped, 0) is int lost and > 0)
                    batch.Append(Stamp()).Append(" (").Append(lost).Append(" log lines dropped: stdout was not being read)").Append(Environment.NewLine);
                batch.Append(line).Append(Environment.NewLine);
                if (batch.Length >= MaxWriteChars) Flush();
            }
            Flush();
        }
    }

    const int MaxWriteChars = 32 * 1024;

    /// <summary>
    /// A writer for the log on <paramref name="stdout"/> whose buffer holds a whole batch, so a batch is one
    /// <c>write</c>: Console.Out on Linux writes in pieces of 256 bytes, one system call each (hundreds a second
    /// while commands come in, each waking journald when it reads stdout).
    /// </summary>
    public static TextWriter ForStdout(Stream stdout) =>
        TextWriter.Synchronized(new StreamWriter(stdout, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), MaxWriteChars) { AutoFlush = true });

    readonly StringBuilder batch = new();

    void Flush()
    {
        try
        {
            if (!broken && batch.Length > 0)
            {
                output.Write(batch.ToString());
                output.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { broken = true; /* stdout is gone: nothing to log to */ }
        batch.Clear();
        if (batch.Capacity > 4 * MaxWriteChars) batch.Capacity = MaxWriteChars;
    }

    /// <summary>Writes what is queued (waiting at most <paramref name="limit"/>) and stops taking lines.</summary>
    public async Task CloseAsync(TimeSpan limit)
    {
        closed = true;
        wake.Set();
        await Task.WhenAny(Task.Run(WriteQueued), Task.Delay(limit));
    }
}
