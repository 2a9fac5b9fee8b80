using System.Security.Cryptography;

namespace AcWs.Host;

/// <summary>
/// What the first client would otherwise wait for, done on a pool thread while acws gets ready to listen: OpenSSL
/// (HttpListener hashes each WebSocket key with SHA-1, and the first hash loads libssl and libcrypto and reads
/// openssl.cnf: about 4 ms, most of the first upgrade), the local time zone (the log's timestamps) and the pool
/// thread itself (each request starts on one). Best effort: whatever fails here fails again where it matters.
/// </summary>
public static class WarmUp
{
    public static Task Start() => Task.Run(() =>
    {
        try
        {
            SHA1.HashData(ReadOnlySpan<byte>.Empty);
            _ = TimeZoneInfo.Local;
        }
        catch (Exception) { /* no OpenSSL, no zone file: the first client finds out */ }
    });
}
