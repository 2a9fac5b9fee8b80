using System.Text.Json;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// Read-only replies (<c>server info</c>, <c>server entries</c>, <c>server sessions</c>) are sent from the bytes
/// of the last equal reply (Commands/ReplyMemo.cs): each asked several times in a row (so a kept reply exists),
/// then one input changed, then asked again: the change must show in that very next reply.
/// </summary>
public class ReplyMemoTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(20);

    static async Task<JsonElement> AskTwiceAsync(WsClient ws, string command, string key)
    {
        await ws.AskAsync(command);
        var reply = await ws.AskAsync(command);
        if (reply.ErrorOrNull() is { } error) throw new Exception($"{command}: {error}");
        return reply.Data().GetProperty(key);
    }

    [Test]
    public async Task A_change_to_each_input_shows_in_the_next_read_only_reply()
    {
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);

        var info = await AskTwiceAsync(ws, "server info", "server");
        await Assert.That(info.Str("name")).IsEqualTo("AC_Server");
        await Assert.That(info.GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(info.GetProperty("entries").GetProperty("0").Str("drivername")).IsNotEqualTo("Hand Edited");
        await AskTwiceAsync(ws, "server entries", "entries");
        await AskTwiceAsync(ws, "server sessions", "sessions");

        // A hand edit of server_cfg.ini: the same size, written at once.
        string cfg = folder.Cfg("server_cfg.ini");
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("NAME=AC_Server", "NAME=AC_Sorver").Replace("NAME=Practice", "NAME=Prectice"));
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").Str("name")).IsEqualTo("AC_Sorver");
        await Assert.That((await ws.AskAsync("server sessions")).Data().GetProperty("sessions").GetProperty("Practice").Str("name")).IsEqualTo("Prectice");

        // A hand edit of entry_list.ini.
        string entries = folder.Cfg("entry_list.ini");
        var lines = File.ReadAllLines(entries);
        int first = Array.FindIndex(lines, l => l.StartsWith("DRIVERNAME=", StringComparison.Ordinal));
        lines[first] = "DRIVERNAME=Hand Edited";
        File.WriteAllLines(entries, lines);
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").GetProperty("entries").GetProperty("0").Str("drivername")).IsEqualTo("Hand Edited");
        await Assert.That((await ws.AskAsync("server entries")).Data().GetProperty("entries").GetProperty("CAR_0").Str("drivername")).IsEqualTo("Hand Edited");

        // Start: running, its pid; then a driver joins; then a session change; then stop.
        await AskTwiceAsync(ws, "server info", "server");
        // The first session's event may come before the reply.
        var (started, _) = await ws.AskAndAwaitAsync("server start", Frames.IsSessionEvent, Slow);
        await Assert.That(started.ErrorOrNull()).IsNull();
        info = (await ws.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(info.GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(info.GetProperty("pid").ValueKind).IsEqualTo(JsonValueKind.Number);

        await AskTwiceAsync(ws, "server info", "server");
        folder.Cue("join CAR_0");
        await ws.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), Slow);
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").GetProperty("drivers_connected").GetInt32()).IsEqualTo(1);

        await AskTwiceAsync(ws, "server sessions", "sessions");
        folder.Cue("session qualify");
        await ws.ReceiveUntilAsync(f => Frames.IsSessionEvent(f) && f.Data().GetProperty("session").GetProperty("event").Str("type") == "Qualify", Slow);
        await Assert.That((await ws.AskAsync("server sessions")).Data().GetProperty("sessions").GetProperty("Qualify").GetProperty("active").GetBoolean()).IsTrue();
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").GetProperty("sessions").GetProperty("Qualify").GetProperty("active").GetBoolean()).IsTrue();

        await AskTwiceAsync(ws, "server info", "server");
        await Assert.That((await ws.AskAsync("server stop")).ErrorOrNull()).IsNull();
        info = (await ws.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(info.GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(info.GetProperty("drivers_connected").GetInt32()).IsEqualTo(0);
    }
}
