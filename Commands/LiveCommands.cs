using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AcWs.Files;
using AcWs.Live;
using AcWs.Runtime;

namespace AcWs.Commands;

/// <summary>
/// Race control over acServer's UDP plugin link: <c>live</c>, <c>chat</c>, <c>kick</c>, <c>car</c>, <c>admin</c>,
/// <c>session next|restart</c>, and <c>server plugin enable</c>. A command acServer answers (kick, car, next,
/// restart) replies once it did, or with an error on its ERROR or after the reply timeout; chat and admin, which
/// it never confirms, reply once sent.
/// </summary>
public static class LiveCommands
{
    public static ValueTask<Reply> Live(Call call)
    {
        var view = LiveView.Of(call.Server.Plugin);
        string msg = view.Plugin.Linked
            ? $"live timing: {view.Cars.Count} car{(view.Cars.Count == 1 ? "" : "s")}" + (view.Session is { } s ? $", {s.Name} ({s.Type})" : ", no session heard yet")
            : view.Plugin.Msg!;
        return ValueTask.FromResult(Reply.Ok(new LiveData(msg, view)));
    }

    public static ValueTask<Reply> ChatAll(Call call) => Send(call, call.Args[0], null);

    public static ValueTask<Reply> Chat(Call call) => Send(call, call.Args[1], call.Args[0]);

    /// <summary>A chat line to one car (<paramref name="who"/>) or to all; every client hears it as a chat event.</summary>
    static async ValueTask<Reply> Send(Call call, string text, string? who)
    {
        if (Linked(call) is not { } link) return NoLink(call);
        if (TooLong(text) is { } tooLong) return tooLong;
        var plugin = call.Server.Plugin;
        int? carId = null;
        string to = "all";
        if (who is not null)
        {
            var (car, error) = Resolve(plugin, who);
            if (error is not null) return Reply.Fail(error);
            // acServer never answers a chat, so a car it does not know would fail silently: only cars on the server.
            if (plugin.Timing.Car(car) is not { Connected: true } target) return Reply.Fail($"no driver is in car {car}; {OnServer(plugin)}");
            (carId, to) = (car, target.Driver);
        }
        await link.AskAsync(carId is { } id ? PluginCommand.SendChat((byte)id, text) : PluginCommand.BroadcastChat(text), null);
        plugin.Echo(new ChatHeard(null, "admin", text, to));
        return Reply.Msg(carId is { } c ? $"sent to {to} (car {c})" : "sent to all");
    }

    public static async ValueTask<Reply> Kick(Call call)
    {
        if (Linked(call) is not { } link) return NoLink(call);
        var (car, error) = Resolve(call.Server.Plugin, call.Args[0]);
        if (error is not null) return Reply.Fail(error);
        string who = Named(call.Server.Plugin, car);
        var (_, refused) = await link.AskAsync(PluginCommand.KickUser((byte)car), m => m is PluginMessage.Connection { Connected: false } c && c.CarId == car);
        return refused is null ? Reply.Msg($"kicked {who}") : Reply.Fail($"kick {who}: {refused}");
    }

    public static async ValueTask<Reply> Car(Call call)
    {
        if (Linked(call) is not { } link) return NoLink(call);
        var (car, error) = Resolve(call.Server.Plugin, call.Args[0]);
        if (error is not null) return Reply.Fail(error);
        var (answer, refused) = await link.AskAsync(PluginCommand.GetCarInfo((byte)car), m => m is PluginMessage.CarInfo i && i.CarId == car);
        if (answer is not PluginMessage.CarInfo info) return Reply.Fail($"car {car}: {refused}");
        return Reply.Ok(new CarInfoData($"car {car}: {(info.IsConnected ? info.DriverName : "no driver")} in {info.Model}",
            new CarInfoView(info.CarId, info.IsConnected, info.Model, info.Skin, info.DriverName, info.Team, info.DriverGuid)));
    }

    public static async ValueTask<Reply> Admin(Call call)
    {
        if (Linked(call) is not { } link) return NoLink(call);
        if (TooLong(call.Args[0]) is { } tooLong) return tooLong;
        await link.AskAsync(PluginCommand.AdminCommand(call.Args[0]), null);
        return Reply.Msg($"sent '{call.Args[0]}' to acServer (it does not confirm admin commands)");
    }

    public static ValueTask<Reply> Next(Call call) => NewSession(call, PluginCommand.NextSession(), "next");

    public static ValueTask<Reply> Restart(Call call) => NewSession(call, PluginCommand.RestartSession(), "restart");

    /// <summary>acServer ends the session (55) and starts the next or the same one again (50): the reply names it.</summary>
    static async ValueTask<Reply> NewSession(Call call, byte[] command, string what)
    {
        if (Linked(call) is not { } link) return NoLink(call);
        var (answer, refused) = await link.AskAsync(command, m => m is PluginMessage.SessionInfo { IsNew: true });
        if (answer is not PluginMessage.SessionInfo s) return Reply.Fail($"session {what}: {refused}");
        return Reply.Msg($"session {what}: now {s.Name} ({LiveTiming.TypeName(s.Type)}, session {s.CurrentSessionIndex + 1} of {s.SessionCount})");
    }

    static PluginLink? Linked(Call call) => call.Server.Plugin.Link;

    static Reply NoLink(Call call) => Reply.Fail($"no UDP plugin link: {call.Server.Plugin.WhyNotLinked()}");

    static Reply? TooLong(string text) => PluginCommand.TextChars(text) is var n && n > PluginCommand.MaxTextChars
        ? Reply.Fail($"the text is {n} characters; acServer takes at most {PluginCommand.MaxTextChars}")
        : null;

    /// <summary>
    /// A car id (0-255, sent as is: the server decides whether it exists), or a driver on the server by name, case
    /// ignored: an exact name first, then the only name it starts, then the only name it is part of. Several →
    /// an error listing them; none → an error listing who is on.
    /// </summary>
    public static (int Car, string? Error) Resolve(LivePlugin plugin, string who)
    {
        if (who.All(char.IsAsciiDigit))
            return int.TryParse(who, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id <= byte.MaxValue
                ? (id, null) : (0, $"car ids are 0-255, got '{who}'");
        var on = plugin.Timing.Cars.Where(c => c.Connected).ToList();
        foreach (var match in new Func<string, bool>[]
        {
            name => name.Equals(who, StringComparison.OrdinalIgnoreCase),
            name => name.StartsWith(who, StringComparison.OrdinalIgnoreCase),
            name => name.Contains(who, StringComparison.OrdinalIgnoreCase),
        })
        {
            var found = on.Where(c => match(c.Driver)).ToList();
            if (found.Count == 1) return (found[0].CarId, null);
            if (found.Count > 1) return (0, $"'{who}' could be {List(found)}: use more of the name or the car id");
        }
        return (0, $"no driver on the server matches '{who}'; {OnServer(plugin)}");
    }

    static string OnServer(LivePlugin plugin) =>
        plugin.Timing.Cars.Where(c => c.Connected).ToList() is { Count: > 0 } on ? $"on the server: {List(on)}" : "no driver is on the server";

    static string List(IEnumerable<CarTiming> cars) => string.Join(", ", cars.Select(c => $"{c.Driver} (car {c.CarId})"));

    static string Named(LivePlugin plugin, int car) => plugin.Timing.Car(car) is { Driver.Length: > 0 } c ? $"{c.Driver} (car {car})" : $"car {car}";

    // ---- server plugin enable ----

    public static ValueTask<Reply> Enable(Call call)
    {
        var keys = PluginKeys.Of(call.ServerCfg!);
        if (keys.Set)
            return ValueTask.FromResult(Reply.Msg($"the UDP plugin is already enabled: {PluginKeys.LocalPortKey}={keys.LocalPort}, {PluginKeys.AddressKey}={keys.Address}"));
        var (local, address) = TwoFreePorts();
        var (_, msg, error, dropped) = call.Pending.Config.Edit(() => call.Folder.Load(ServerFolder.ServerCfg), doc =>
        {
            doc.Set(Ini.ServerConfig.Server, PluginKeys.LocalPortKey, local.ToString(CultureInfo.InvariantCulture));
            doc.Set(Ini.ServerConfig.Server, PluginKeys.AddressKey, $"127.0.0.1:{address}");
            return EditOutcome.Done($"Set {PluginKeys.LocalPortKey}={local} and {PluginKeys.AddressKey}=127.0.0.1:{address}");
        });
        if (error is not null) return ValueTask.FromResult(Reply.Fail(error));
        string note = "pending: send 'server configuration write' to save; it takes effect at the next server start"
            + (dropped is null ? "" : $" ({ConfigCommands.DroppedMsg(dropped)})");
        return ValueTask.FromResult(Reply.Ok(new MsgData(msg, note)));
    }

    /// <summary>Two different UDP ports free on loopback now (both held open while the second is picked).</summary>
    static (int, int) TwoFreePorts()
    {
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        a.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        b.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (((IPEndPoint)a.LocalEndPoint!).Port, ((IPEndPoint)b.LocalEndPoint!).Port);
    }
}
