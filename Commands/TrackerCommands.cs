using System.Globalization;

namespace AcWs.Commands;

/// <summary><c>tracker …</c>: the stracker child, supervised like acServer and independent of it.</summary>
public static class TrackerCommands
{
    public static TrackerStatus StatusOf(Supervisor child)
    {
        var started = child.StartedAt;
        var pid = child.Pid;
        if (started is null || pid is null) return new TrackerStatus(false, null, null);
        return new TrackerStatus(true, pid, started.Value.ToString("o", CultureInfo.InvariantCulture));
    }

    public static ValueTask<Reply> Status(Call call, Agent agent) =>
        ValueTask.FromResult(Reply.Ok(new TrackerStatusData(StatusOf(agent.Stracker))));

    const string Started = "stracker started";
    const string Stopped = "stracker stopped";

    static Reply StateChanged(string msg) =>
        new() { Data = new MsgData(msg), Broadcast = new TrackerEventData(new TrackerEventBody(new TrackerEvent(msg))) };

    public static async ValueTask<Reply> Start(Call call, Agent agent) =>
        await agent.Stracker.StartAsync() is { } error ? Reply.Fail(error) : StateChanged(Started);

    public static async ValueTask<Reply> Stop(Call call, Agent agent) =>
        await agent.Stracker.StopAsync() is { } error ? Reply.Fail(error) : StateChanged(Stopped);

    public static ValueTask<Reply> Restart(Call call, Agent agent) =>
        ServerCommands.RestartChild(agent.Stracker, StateChanged(Stopped), () => Start(call, agent));
}
