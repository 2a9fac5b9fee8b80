using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AcWs.Live;

namespace AcWs.Tests.Support;

/// <summary>
/// The stand-in acServer as a real process in a <see cref="StandInFolder"/>, with this test as its UDP plugin: a real
/// UdpClient on 127.0.0.1 where UDP_PLUGIN_ADDRESS points. Every datagram from acServer's port is decoded and kept
/// in <see cref="Seen"/>; the stand-in's stdout lines are kept too.
/// </summary>
public sealed class PluginPeer : IAsyncDisposable
{
    readonly UdpClient udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    readonly List<string> lines = [];
    Process process = null!;
    int next;

    public int LocalPort { get; private set; }
    public List<PluginMessage> Seen { get; } = [];

    /// <summary>Points the folder's plugin keys at this peer and starts the stand-in there (with <paramref name="args"/>).</summary>
    public static PluginPeer Start(StandInFolder folder, params string[] args)
    {
        var peer = new PluginPeer();
        peer.udp.Client.ReceiveBufferSize = 4 << 20;
        peer.LocalPort = StandInFolder.FreePort();
        folder.UsePluginPorts(peer.LocalPort, ((IPEndPoint)peer.udp.Client.LocalEndPoint!).Port);
        var psi = new ProcessStartInfo(Path.Combine(folder.Root, "acServer")) { WorkingDirectory = folder.Root, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        peer.process = Process.Start(psi)!;
        peer.process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (peer.lines) peer.lines.Add(e.Data); };
        peer.process.BeginOutputReadLine();
        return peer;
    }

    public string Output { get { lock (lines) return string.Join('\n', lines); } }

    public Task SendAsync(byte[] command) => udp.SendAsync(command, new IPEndPoint(IPAddress.Loopback, LocalPort)).AsTask();

    /// <summary>The next message (after those already returned) that <paramref name="match"/> accepts; those skipped stay in <see cref="Seen"/>.</summary>
    public async Task<T> NextAsync<T>(Func<T, bool>? match = null, int seconds = 30) where T : PluginMessage
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            for (; next < Seen.Count; next++)
                if (Seen[next] is T m && (match is null || match(m))) { next++; return m; }
            UdpReceiveResult r;
            try { r = await udp.ReceiveAsync(limit.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"no {typeof(T).Name} within {seconds} s; seen: {string.Join(", ", Seen.Skip(next).Select(s => s.GetType().Name))}\n{Output}"); }
            if (r.RemoteEndPoint.Port != LocalPort) throw new InvalidDataException($"a datagram from {r.RemoteEndPoint}, not acServer's port {LocalPort}");
            var d = PluginProtocol.Decode(r.Buffer);
            if (d.Message is null || d.Trailing > 0) throw new InvalidDataException($"the stand-in sent a malformed datagram: {PluginDump.Of(d)}");
            Seen.Add(d.Message);
        }
    }

    /// <summary>Waits until the stand-in printed a line holding <paramref name="text"/>.</summary>
    public async Task LineAsync(string text, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!Output.Contains(text))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"no line with '{text}' within {seconds} s:\n{Output}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        udp.Dispose();
    }
}
