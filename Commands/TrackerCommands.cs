using System.Globalization;

namespace AcWs.Commands;

/// <summary><c>tracker …</c>: the stracker child, supervised like acServer and independent of it.</summary>
public static class TrackerCommands
{
    public static TrackerStatus StatusOf(Supervisor child)
    {
        var started = child.StartedAt;
        var pid = child.Pid;
        if (started is null || pid is null) return new TrackerStatus(false, null, null, null);
        string since = started.Value.ToString("o", CultureInfo.InvariantCulture);
        return new TrackerStatus(true, pid, since, since);
    }

    /// <summary>The status under both keys: <c>tracker</c> (acws's) and <c>stracker</c> (the original's).</summary>
    static TrackerStatusData DataOf(Agent agent, string? msg = null)
    {
        var status = StatusOf(agent.Stracker);
        return new TrackerStatusData(status, status, msg);
    }

    public static ValueTask<Reply> Status(Call call, Agent agent) =>
        ValueTask.FromResult(Reply.Ok(DataOf(agent)));

    // The original's words: its clients match these texts exactly.
    const string StartedMsg = "Stracker started";
    public const string StoppedMsg = "Stracker server stopped";

    static Reply StateChanged(Agent agent, string msg) => Reply.Ok(DataOf(agent, msg)) with { Topic = "tracker" };

    /// <summary>The reply that says stracker stopped (also pushed when it exits on its own).</summary>
    public static Reply Stopped(Agent agent) => StateChanged(agent, StoppedMsg);

    public static async ValueTask<Reply> Start(Call call, Agent agent) =>
        await agent.Stracker.StartAsync() is { } error ? Reply.Fail(error) : StateChanged(agent, StartedMsg);

    public static async ValueTask<Reply> Stop(Call call, Agent agent) =>
        await agent.Stracker.StopAsync() is { } error ? Reply.Fail(error) : Stopped(agent);

    public static ValueTask<Reply> Restart(Call call, Agent agent) =>
        ServerCommands.RestartChild(agent.Stracker, Stopped(agent), () => Start(call, agent));
}
