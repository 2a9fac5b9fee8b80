namespace AcWs.Runtime;

/// <summary>The one "acws is going down" signal: asked for once (by <c>shutdown now</c> or a signal), awaited by every room.</summary>
public sealed class ShutdownSignal
{
    readonly TaskCompletionSource<string> requested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the reason once shutdown is asked for.</summary>
    public Task<string> Requested => requested.Task;
    public bool IsRequested => requested.Task.IsCompleted;
    public void Request(string why) => requested.TrySetResult(why);
}
