using System.Text;
using AcWs.Runtime;

namespace AcWs.Tests;

/// <summary>
/// The log (Runtime/LogWriter.cs) writes what came in each 20 ms as one write to stdout, from a thread of its own,
/// and loses no line at the edge of a batch or after a quiet spell.
/// </summary>
public class LogWriterTests
{
    /// <summary>Stands where stdout is: counts the writes it is given and keeps the text.</summary>
    sealed class CountingWriter : TextWriter
    {
        readonly StringBuilder text = new();
        int writes;
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) { lock (text) { text.Append(value); writes++; } }
        public override void Write(string? value) { lock (text) { text.Append(value); writes++; } }
        public int Writes { get { lock (text) return writes; } }
        public string Text { get { lock (text) return text.ToString(); } }
    }

    /// <summary>Stands where fd 1 is: counts the writes it is given and keeps the bytes.</summary>
    sealed class CountingStream : Stream
    {
        readonly MemoryStream bytes = new();
        int writes;
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) { lock (bytes) { bytes.Write(buffer); writes++; } }
        public int Writes { get { lock (bytes) return writes; } }
        public string Text { get { lock (bytes) return Encoding.UTF8.GetString(bytes.ToArray()); } }
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Console.Out wrote a batch in 256-byte pieces: 30 KB of lines were about 120 system calls.</summary>
    [Test]
    public async Task On_stdout_a_batch_is_one_write_not_one_per_256_bytes()
    {
        var fd1 = new CountingStream();
        var log = new LogWriter(LogWriter.ForStdout(fd1));
        string padding = new('x', 90);
        for (int i = 0; i < 300; i++) log.Write($"line {i} {padding} é");
        await UntilAsync(() => fd1.Text.Contains("line 299 "));
        await Assert.That(fd1.Text).Contains($"line 0 {padding} é");
        // Back to back, the 300 lines fall in one or two 20 ms batches; a loaded machine may split them further.
        await Assert.That(fd1.Writes).IsLessThanOrEqualTo(10);
    }

    static async Task UntilAsync(Func<bool> condition)
    {
        var giveUp = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > giveUp) throw new TimeoutException("the log never wrote what was expected");
            await Task.Delay(5);
        }
    }

    [Test]
    public async Task Lines_written_back_to_back_go_out_in_order_in_a_few_writes()
    {
        var stdout = new CountingWriter();
        var log = new LogWriter(stdout);
        for (int i = 0; i < 500; i++) log.Write($"line {i}");
        await UntilAsync(() => stdout.Text.Contains("line 499"));

        var lines = stdout.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        await Assert.That(lines.Length).IsEqualTo(500);
        for (int i = 0; i < 500; i++) await Assert.That(lines[i]).EndsWith($" line {i}");
        // One write a batch: a few for 500 lines queued back to back (more on a loaded machine), never one a line.
        await Assert.That(stdout.Writes).IsLessThanOrEqualTo(100);
    }

    [Test]
    public async Task No_line_is_lost_around_a_batch_or_after_a_quiet_spell()
    {
        var stdout = new CountingWriter();
        var log = new LogWriter(stdout);
        int written = 0;
        for (int burst = 0; burst < 30; burst++)
        {
            // Bursts of different lengths and gaps around the batch time, so lines land at every point of a batch.
            for (int i = 0; i < burst % 4 + 1; i++) log.Write($"line {written++}");
            await Task.Delay(burst % 3 * 15);
        }
        await UntilAsync(() => stdout.Text.Contains($"line {written - 1}{Environment.NewLine}"));
        var lines = stdout.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        await Assert.That(lines.Length).IsEqualTo(written);
        for (int i = 0; i < written; i++) await Assert.That(lines[i]).EndsWith($" line {i}");
    }
}
