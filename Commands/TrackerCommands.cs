using System.Globalization;
using AcWs.Runtime;

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
    static TrackerStatusData DataOf(Supervisor tracker, string? msg = null)
    {
        var status = StatusOf(tracker);
        return new TrackerStatusData(status, status, msg);
    }

    public static ValueTask<Reply> Status(Call call) =>
        ValueTask.FromResult(Reply.Ok(DataOf(call.Tracker)));

    // The original's words: its clients match these texts exactly.
    const string StartedMsg = "Stracker started";
    public const string StoppedMsg = "Stracker server stopped";

    static Reply StateChanged(Supervisor tracker, string msg) => Reply.Ok(DataOf(tracker, msg)) with { Topic = "tracker" };

    /// <summary>The reply that says stracker stopped (also pushed when it exits on its own).</summary>
    public static Reply Stopped(Supervisor tracker) => StateChanged(tracker, StoppedMsg);

    public static async ValueTask<Reply> Start(Call call) =>
        call.Server.Plugin.StrackerConflict() is { } conflict ? Reply.Fail(conflict)
        : await call.Tracker.StartAsync() is { } error ? Reply.Fail(error) : StateChanged(call.Tracker, StartedMsg);

    public static async ValueTask<Reply> Stop(Call call) =>
        await call.Tracker.StopAsync() is { } error ? Reply.Fail(error) : Stopped(call.Tracker);

    public static ValueTask<Reply> Restart(Call call) =>
        ServerCommands.RestartChild(call.Tracker, Stopped(call.Tracker), () => Start(call));
}
