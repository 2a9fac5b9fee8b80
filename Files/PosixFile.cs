using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace AcWs.Files;

/// <summary>
/// What identifies one version of a file: its size, modification and change times (nanoseconds) and inode.
/// Where stat(2) is not read (Windows, macOS), inode and change time are 0 and the times are .NET's.
/// </summary>
public readonly record struct FileStamp(long Size, long ModifiedNs, long ChangedNs, long Inode);

/// <summary>
/// The few file calls .NET does not offer: the file's type and inode (stat), an open that cannot hang on a
/// named pipe, and fsync of a folder. Linux reads struct stat directly; elsewhere it falls back to .NET.
/// </summary>
public static class PosixFile
{
    // struct stat on Linux x86-64 and arm64 (glibc): st_ino at 8, st_size at 48, st_mtim at 88, st_ctim at 104
    // (each timespec: seconds then nanoseconds); st_mode is at 24 on x86-64, 16 on arm64.
    static readonly bool linuxStat = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;
    static readonly int modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
    const int StatSize = 256;
    const int ReadOnly = 0, NonBlocking = 0x800, CloseOnExec = 0x80000;
    const int TypeMask = 0xF000, Regular = 0x8000, Link = 0xA000;
    const int NoSuchFile = 2, NotAFolder = 20;

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    static extern int Stat(byte[] path, [Out] byte[] buffer);
    [DllImport("libc", EntryPoint = "fstat", SetLastError = true)]
    static extern int Fstat(int fd, [Out] byte[] buffer);
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open(byte[] path, int flags);
    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    static extern int Fsync(int fd);
    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int Close(int fd);

    /// <summary>Nanoseconds since 1970 (UTC), as stat gives them.</summary>
    /// <summary>
    /// Whether what was read at <paramref name="readAtNs"/> from a file now stamped <paramref name="stamp"/> can be
    /// trusted: a file changed less than 2 s before it was read may still change within the same timestamp tick
    /// (coarse file system clocks), so a copy read then is not kept, and an edit by hand always shows at once.
    /// </summary>
    public static bool Settled(FileStamp stamp, long readAtNs) => Math.Max(stamp.ModifiedNs, stamp.ChangedNs) < readAtNs - 2_000_000_000;

    public static long UnixNs(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>A path as C wants it: UTF-8 with a terminating NUL.</summary>
    internal static byte[] CString(string path) => Encoding.UTF8.GetBytes(path + "\0");

    static FileStamp StampOf(byte[] s) => new(
        BitConverter.ToInt64(s, 48),
        BitConverter.ToInt64(s, 88) * 1_000_000_000 + BitConverter.ToInt64(s, 96),
        BitConverter.ToInt64(s, 104) * 1_000_000_000 + BitConverter.ToInt64(s, 112),
        BitConverter.ToInt64(s, 8));

    static string TypeOf(byte[] s) => (BitConverter.ToInt32(s, modeOffset) & TypeMask) switch
    {
        Regular => "",
        0x1000 => "a named pipe (FIFO)",
        0x4000 => "a directory",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "not a regular file",
    };

    static IOException Failed(string what, string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        string reason = new Win32Exception(errno).Message;
        return errno == NoSuchFile ? new FileNotFoundException(reason, path) : new IOException($"cannot {what} {path}: {reason}");
    }

    /// <summary>The stamp of the file at <paramref name="path"/> (links followed); throws FileNotFoundException or IOException.</summary>
    public static FileStamp StampOf(string path) =>
        StampIfPresent(path) ?? throw new FileNotFoundException(new Win32Exception(NoSuchFile).Message, path);

    /// <summary>
    /// The stamp of the file at <paramref name="path"/>, or null when there is none (no such file or folder);
    /// throws IOException when it cannot be looked at. No exception for a missing file: a read-only command asks
    /// this on every call for a file that is often absent (<c>extra_cfg.yml</c>), and a throw costs more than the stat.
    /// </summary>
    public static FileStamp? StampIfPresent(string path)
    {
        if (!linuxStat)
        {
            var info = new FileInfo(path);
            return info.Exists ? new(info.Length, UnixNs(info.LastWriteTimeUtc), 0, 0) : null;
        }
        var buffer = new byte[StatSize];
        if (Stat(CString(path), buffer) == 0) return StampOf(buffer);
        return Marshal.GetLastPInvokeError() is NoSuchFile or NotAFolder ? null : throw Failed("stat", path);
    }

    [DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
    static extern int Lstat(byte[] path, [Out] byte[] buffer);

    /// <summary>Whether <paramref name="path"/> itself is a symbolic link (false when there is nothing there).</summary>
    public static bool IsLink(string path)
    {
        if (!linuxStat) return File.Exists(path) && new FileInfo(path).LinkTarget is not null;
        var buffer = new byte[StatSize];
        return Lstat(CString(path), buffer) == 0 && (BitConverter.ToInt32(buffer, modeOffset) & TypeMask) == Link;
    }

    /// <summary>Whether <paramref name="path"/> is a regular file (links followed): not a pipe, device, socket or folder.</summary>
    public static bool IsRegularFile(string path)
    {
        if (!linuxStat) return File.Exists(path);
        var buffer = new byte[StatSize];
        return Stat(CString(path), buffer) == 0 && TypeOf(buffer).Length == 0;
    }

    /// <summary>
    /// Opens a regular file for reading without ever blocking: a named pipe, device, socket or folder is refused
    /// with an IOException saying what it is (opening a pipe the normal way waits for a writer, forever).
    /// Returns the handle and the stamp of what was opened.
    /// </summary>
    public static (SafeFileHandle Handle, FileStamp Stamp) OpenRegular(string path)
    {
        if (!linuxStat)
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return (handle, new(RandomAccess.GetLength(handle), UnixNs(File.GetLastWriteTimeUtc(path)), 0, 0));
        }
        int fd = Open(CString(path), ReadOnly | NonBlocking | CloseOnExec);
        if (fd < 0) throw Failed("open", path);
        var opened = new SafeFileHandle(fd, ownsHandle: true);
        var buffer = new byte[StatSize];
        if (Fstat(fd, buffer) != 0)
        {
            var error = Failed("stat", path);
            opened.Dispose();
            throw error;
        }
        if (TypeOf(buffer) is { Length: > 0 } type)
        {
            opened.Dispose();
            throw new IOException($"it is {type}, not a regular file");
        }
        return (opened, StampOf(buffer));
    }

    /// <summary>
    /// Reads a whole regular file of at most <paramref name="limit"/> bytes into <paramref name="rent"/>'s
    /// buffer; a bigger file is refused from its size, before reading it. Returns the buffer and the length read.
    /// </summary>
    public static (byte[] Buffer, int Length, FileStamp Stamp) ReadRegular(string path, int limit, Func<int, byte[]> rent)
    {
        var (handle, stamp) = OpenRegular(path);
        using (handle)
        {
            if (stamp.Size > limit) throw new FileTooBigException(stamp.Size, limit);
            // One byte more than the size, to notice a file that grew since it was opened.
            var buffer = rent((int)stamp.Size + 1);
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) throw new FileTooBigException(length, limit);
                    var bigger = rent(Math.Min(limit + 1, length * 2));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    buffer = bigger;
                }
                int n = RandomAccess.Read(handle, buffer.AsSpan(length), length);
                if (n == 0) break;
                length += n;
            }
            if (length > limit) throw new FileTooBigException(length, limit);
            return (buffer, length, stamp);
        }
    }

    /// <summary>Makes a rename or new file in <paramref name="folder"/> durable (fsync of the folder); best effort, a no-op on Windows.</summary>
    public static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(CString(folder), OperatingSystem.IsLinux() ? ReadOnly | CloseOnExec : ReadOnly);
        if (fd < 0) return;
        Fsync(fd);
        Close(fd);
    }
}

/// <summary>A file over the size acws reads; the message names the size and the limit.</summary>
public sealed class FileTooBigException(long size, long limit)
    : IOException($"it is {Mib(size)}, over the {Mib(limit)} limit")
{
    static string Mib(long bytes) => bytes % (1024 * 1024) == 0
        ? $"{bytes / (1024 * 1024)} MiB"
        : $"{(bytes / (1024.0 * 1024)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} MiB";
}
