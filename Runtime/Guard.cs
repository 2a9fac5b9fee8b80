using System.Collections;
using System.Runtime.InteropServices;

namespace AcWs.Runtime;

/// <summary>
/// <c>acws --guard -- COMMAND ARGS…</c>: on Unix, the process acws starts in place of a child (acServer,
/// stracker), so that no child outlives acws. It starts COMMAND in a process group of its own (stdin from
/// /dev/null; stdout and stderr are the guard's own, so acws reads them unchanged) and then:
/// <list type="bullet">
/// <item>SIGTERM to the guard → SIGTERM to the child's whole group (<c>server stop</c>);</item>
/// <item>end of the guard's stdin, a pipe only acws holds open → SIGKILL to the group. acws closes it to kill
/// after the grace period, and the kernel closes it when acws dies, even by SIGKILL;</item>
/// <item>COMMAND exits → SIGKILL to what is left of its group (a wrapper script's background jobs), and the
/// guard exits with COMMAND's exit code (128+N when signal N ended it).</item>
/// </list>
/// A process in between rather than PR_SET_PDEATHSIG: that signal fires when the thread that forked exits, and
/// .NET may start a child from a thread-pool thread that later retires.
/// </summary>
public static class Guard
{
    public const string Flag = "--guard";

    const int Sigterm = 15, Sigkill = 9, Eintr = 4;

    public static int Run(string[] args)
    {
        if (args.Length < 2 || args[0] != "--")
        {
            Console.Error.WriteLine("usage: acws --guard -- COMMAND [ARGS...]");
            return 2;
        }
        var group = new ChildGroup();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; group.Signal(Sigterm); });
        // Ctrl-C or a closed terminal reach acws too, and acws decides: it stops the child through this guard.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => c.Cancel = true);
        new Thread(() => { WaitForEndOfInput(); group.Signal(Sigkill); }) { IsBackground = true, Name = "acws guard stdin" }.Start();

        int error = Spawn(args[1], args[1..], out int pid);
        if (error != 0)
        {
            Console.Error.WriteLine($"acws --guard: cannot start {args[1]}: {Marshal.GetPInvokeErrorMessage(error)}");
            return 127;
        }
        group.Started(pid);
        int status;
        while (waitpid(pid, out status, 0) == -1)
            if (Marshal.GetLastPInvokeError() != Eintr) { status = 255 << 8; break; }
        // After a SIGTERM the rest of the group (acServer under a wrapper script that died first) gets its own
        // clean exit, until acws's grace period runs out and it closes our stdin; else the rest is killed now.
        while (group.Sent == Sigterm && kill(-pid, 0) == 0) Thread.Sleep(20);
        kill(-pid, Sigkill);
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    static void WaitForEndOfInput()
    {
        try
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (input.Read(buffer) > 0) { }
        }
        catch (IOException) { /* a broken pipe is an end too */ }
    }

    /// <summary>The child's process group, and a signal that came before the child existed.</summary>
    sealed class ChildGroup
    {
        readonly Lock gate = new();
        int pid, sent;

        /// <summary>The strongest signal asked for so far: 0, SIGTERM or SIGKILL.</summary>
        public int Sent { get { lock (gate) return sent; } }

        public void Signal(int signal)
        {
            lock (gate)
            {
                if (sent == Sigkill) return;
                sent = signal;
                if (pid > 0) kill(-pid, signal);
            }
        }

        public void Started(int child)
        {
            lock (gate)
            {
                pid = child;
                if (sent != 0) kill(-child, sent);
            }
        }
    }

    const short SetPgroup = 0x02, SetSigdef = 0x04, SetSigmask = 0x08;

    /// <summary>posix_spawnp in a new process group, every signal at its default and none blocked, stdin from /dev/null.</summary>
    static int Spawn(string file, string[] argv, out int pid)
    {
        var allocated = new List<IntPtr>();
        IntPtr Copy(byte[] bytes)
        {
            var p = Marshal.AllocHGlobal(bytes.Length);
            allocated.Add(p);
            Marshal.Copy(bytes, 0, p, bytes.Length);
            return p;
        }
        IntPtr Alloc(int bytes) => Copy(new byte[bytes]);
        IntPtr Utf8(string s) => Copy(System.Text.Encoding.UTF8.GetBytes(s + "\0"));
        // Opaque libc types: 1 KiB is more than any libc's posix_spawnattr_t, file actions or sigset_t.
        IntPtr attr = Alloc(1024), actions = Alloc(1024), all = Alloc(1024), none = Alloc(1024);
        try
        {
            posix_spawnattr_init(attr);
            posix_spawn_file_actions_init(actions);
            sigfillset(all);
            sigemptyset(none);
            posix_spawnattr_setflags(attr, (short)(SetPgroup | SetSigdef | SetSigmask));
            posix_spawnattr_setpgroup(attr, 0);
            posix_spawnattr_setsigdefault(attr, all);
            posix_spawnattr_setsigmask(attr, none);
            posix_spawn_file_actions_addopen(actions, 0, Utf8("/dev/null"), 0, 0);
            var args = new IntPtr[argv.Length + 1];
            for (int i = 0; i < argv.Length; i++) args[i] = Utf8(argv[i]);
            var env = new List<IntPtr>();
            foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) env.Add(Utf8($"{e.Key}={e.Value}"));
            env.Add(IntPtr.Zero);
            int error = posix_spawnp(out pid, Utf8(file), actions, attr, args, [.. env]);
            posix_spawn_file_actions_destroy(actions);
            posix_spawnattr_destroy(attr);
            return error;
        }
        finally
        {
            foreach (var p in allocated) Marshal.FreeHGlobal(p);
        }
    }

    [DllImport("libc", SetLastError = true)] static extern int kill(int pid, int signal);
    [DllImport("libc", SetLastError = true)] static extern int waitpid(int pid, out int status, int options);
    [DllImport("libc")] static extern int posix_spawnp(out int pid, IntPtr file, IntPtr fileActions, IntPtr attr, IntPtr[] argv, IntPtr[] envp);
    [DllImport("libc")] static extern int posix_spawnattr_init(IntPtr attr);
    [DllImport("libc")] static extern int posix_spawnattr_destroy(IntPtr attr);
    [DllImport("libc")] static extern int posix_spawnattr_setflags(IntPtr attr, short flags);
    [DllImport("libc")] static extern int posix_spawnattr_setpgroup(IntPtr attr, int pgroup);
    [DllImport("libc")] static extern int posix_spawnattr_setsigdefault(IntPtr attr, IntPtr signals);
    [DllImport("libc")] static extern int posix_spawnattr_setsigmask(IntPtr attr, IntPtr signals);
    [DllImport("libc")] static extern int posix_spawn_file_actions_init(IntPtr actions);
    [DllImport("libc")] static extern int posix_spawn_file_actions_destroy(IntPtr actions);
    [DllImport("libc")] static extern int posix_spawn_file_actions_addopen(IntPtr actions, int fd, IntPtr path, int flags, int mode);
    [DllImport("libc")] static extern int sigfillset(IntPtr set);
    [DllImport("libc")] static extern int sigemptyset(IntPtr set);
}

/// <summary>How to run this program again as a child: the guard and the demo's stand-in acServer are acws itself.</summary>
public static class ThisProgram
{
    public static (string File, IReadOnlyList<string> Args) Command()
    {
        string exe = Environment.ProcessPath ?? "acws";
        string dll = Path.Combine(AppContext.BaseDirectory, "acws.dll");
        // The native binary (or the apphost of a dotnet build) is acws itself; anything else (`dotnet acws.dll`,
        // a test host that loaded acws in-process) runs acws.dll with the dotnet host.
        if (Is(exe, "acws") || !File.Exists(dll)) return (exe, []);
        string dotnet = Is(exe, "dotnet") ? exe : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        return (dotnet, [dll]);
    }

    // Not GetFileNameWithoutExtension: a test host named AcWs.Tests would pass for acws.
    static bool Is(string path, string program) =>
        Path.GetFileName(path) is var name && (name.Equals(program, StringComparison.OrdinalIgnoreCase) || name.Equals(program + ".exe", StringComparison.OrdinalIgnoreCase));
}
