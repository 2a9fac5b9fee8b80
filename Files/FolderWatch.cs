using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AcWs.Files;

/// <summary>
/// Whether anything in the server folder's <c>cfg/</c> may have changed since a <see cref="Generation"/> was taken,
/// told by one read(2) of an inotify descriptor instead of a stat per file: a read-only command (<c>server info</c>)
/// looks at three files on every call, and the three path lookups were the biggest cost of acws's own. The kernel
/// queues an event during the write, rename or delete itself, so the next command after an edit by hand sees it.
/// Linux only; elsewhere, or when inotify is refused (its limits), <see cref="Open"/> returns null and callers stat
/// as before. After an overflow or a lost watch (cfg/ moved or deleted) the watch stops vouching for anything.
/// </summary>
public sealed class FolderWatch
{
    const int NoWait = 0x800, CloseOnExec = 0x80000; // IN_NONBLOCK, IN_CLOEXEC
    const uint Modify = 0x2, Attrib = 0x4, CloseWrite = 0x8, MovedFrom = 0x40, MovedTo = 0x80, Create = 0x100,
        Delete = 0x200, DeleteSelf = 0x400, MoveSelf = 0x800, Overflow = 0x4000, Ignored = 0x8000, OnlyDir = 0x01000000;
    const uint Entries = MovedFrom | MovedTo | Create | Delete | DeleteSelf | MoveSelf;
    const int NoMoreEvents = 11; // EAGAIN
    const int EventHeaderBytes = 16;

    [DllImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    static extern int InotifyInit(int flags);
    [DllImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
    static extern int AddWatch(int fd, byte[] path, uint mask);
    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    static extern nint Read(int fd, byte[] buffer, nint count);

    readonly SafeFileHandle handle;
    readonly int fd;
    readonly Lock polling = new();
    readonly byte[] events = new byte[4096];
    long generation;
    volatile bool broken;

    FolderWatch(int fd)
    {
        this.fd = fd;
        handle = new SafeFileHandle(fd, ownsHandle: true); // closes the descriptor with the watch
    }

    /// <summary>
    /// Watches <paramref name="cfg"/> (its files' contents, attributes and names) and <paramref name="root"/>'s
    /// entries (cfg/ itself replaced or re-linked); null where that cannot be done.
    /// </summary>
    public static FolderWatch? Open(string root, string cfg)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int fd = InotifyInit(NoWait | CloseOnExec);
        if (fd < 0) return null;
        var watch = new FolderWatch(fd);
        if (AddWatch(fd, PosixFile.CString(cfg), Modify | Attrib | CloseWrite | Entries | OnlyDir) < 0
            || AddWatch(fd, PosixFile.CString(root), Entries | OnlyDir) < 0)
        {
            watch.handle.Dispose();
            return null;
        }
        return watch;
    }

    /// <summary>False once the watch can no longer tell (an overflow, a watch the kernel dropped, a read error).</summary>
    public bool Vouches => !broken;

    /// <summary>
    /// A number that changes whenever something was seen to change since the last call: equal numbers before and
    /// after mean nothing watched changed in between. Reads what the kernel queued (one system call when nothing did).
    /// </summary>
    public long Generation()
    {
        // One look per inline command: its files are then read as of its start (server info looks three times).
        long scope = NonBlocking.CurrentScope;
        if (scope != 0 && lastInScope.Watch == this && lastInScope.Scope == scope) return lastInScope.Generation;
        long generation = Poll();
        if (scope != 0) lastInScope = (this, scope, generation);
        return generation;
    }

    [ThreadStatic] static (FolderWatch? Watch, long Scope, long Generation) lastInScope;

    long Poll()
    {
        lock (polling)
        {
            while (!broken)
            {
                nint n = Read(fd, events, events.Length);
                if (n <= 0)
                {
                    if (n < 0 && Marshal.GetLastPInvokeError() != NoMoreEvents) broken = true;
                    break;
                }
                generation++;
                for (int at = 0; at + EventHeaderBytes <= n; at += EventHeaderBytes + BitConverter.ToInt32(events, at + 12))
                    if ((BitConverter.ToUInt32(events, at + 4) & (Overflow | Ignored | DeleteSelf | MoveSelf)) != 0) broken = true;
            }
            return generation;
        }
    }
}
