namespace AcWs.Live;

/// <summary>
/// The agent's view of the lobby, shared by acServer's output parser (its <c>CALLING</c>, <c>SENDING</c>,
/// <c>RESPONSE</c>, <c>CONNECTED TO LOBBY</c> and error lines) and acws's own registrations. Lives as long as
/// the agent, so <c>lobby info</c> answers also while acServer is stopped; each change swaps one immutable record.
/// </summary>
public sealed class LobbyBook
{
    readonly Lock gate = new();
    LobbyState state = Empty;

    public static readonly LobbyState Empty = new(false, null, null, null, null);

    public LobbyState State { get { lock (gate) return state; } }

    public LobbyState Update(Func<LobbyState, LobbyState> change)
    {
        lock (gate) return state = change(state);
    }

    /// <summary>A new acServer run: what the previous one printed no longer holds.</summary>
    public void Reset() { lock (gate) state = Empty; }
}
