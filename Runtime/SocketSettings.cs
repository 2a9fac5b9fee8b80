namespace AcWs.Runtime;

/// <summary>
/// The socket engine's setting acws runs with. .NET on Linux hands every socket completion from its epoll thread
/// to the thread pool unless <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>; that hand-over costs more CPU
/// than answering a command (bench/cpu.sh). The runtime reads the variable once, when the first socket is used, and
/// has no other switch for it, so acws sets it for itself at start-up unless it is already set (<c>=0</c> turns it off).
/// Continuations then run on the epoll thread: see <c>Commands.Command.ReadOnly</c> for what may run there.
/// </summary>
public static class SocketSettings
{
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Whether acws set the variable itself (then its children do not inherit it).</summary>
    public static bool SetByAcws { get; private set; }

    /// <summary>Call before the first socket is made.</summary>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is not null) return;
        Environment.SetEnvironmentVariable(InlineCompletions, "1");
        SetByAcws = true;
    }
}
