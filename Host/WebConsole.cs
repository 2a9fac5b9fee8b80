using System.Net;
using AcWs.Runtime;

namespace AcWs.Host;

/// <summary>
/// The web console: the page, its script and its style sheet, embedded in the binary from <c>Web/</c>, served
/// to plain <c>GET</c>s; and the browser rules of the HTTP edge (security headers, the WebSocket <c>Origin</c> check).
/// The page holds no secret: it asks the user for the token and speaks only the public protocol.
/// </summary>
public static class WebConsole
{
    sealed record Asset(string ContentType, byte[] Body);

    /// <summary>URL path → embedded file. <c>/</c> is the page; everything else it loads sits next to it.</summary>
    static readonly Dictionary<string, Asset> Assets = Load();

    static Dictionary<string, Asset> Load()
    {
        var assembly = typeof(WebConsole).Assembly;
        var assets = new Dictionary<string, Asset>();
        foreach (var (path, file, type) in new[]
        {
            ("/", "index.html", "text/html; charset=utf-8"),
            ("/app.js", "app.js", "text/javascript; charset=utf-8"),
            ("/app.css", "app.css", "text/css; charset=utf-8"),
            ("/icon.svg", "icon.svg", "image/svg+xml"),
        })
        {
            using var stream = assembly.GetManifestResourceStream("web/" + file);
            if (stream is null) continue;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[path] = new Asset(type, copy.ToArray());
        }
        return assets;
    }

    /// <summary>Whether <paramref name="path"/> is one of the console's files.</summary>
    public static bool Serves(string path) => Assets.ContainsKey(path);

    /// <summary>Writes the file at <paramref name="path"/> (HEAD: headers only).</summary>
    public static void Respond(HttpListenerRequest request, HttpListenerResponse response, string path)
    {
        var asset = Assets[path];
        response.AddHeader("Cache-Control", "no-cache");
        Listener.Respond(response, 200, asset.ContentType, asset.Body, head: request.HttpMethod == "HEAD");
    }

    /// <summary>
    /// Headers on every HTTP answer: a strict Content-Security-Policy (this agent only; no inline script or style;
    /// WebSockets back to the host the page came from), no MIME sniffing, no referrer, no framing.
    /// </summary>
    public static void AddSecurityHeaders(HttpListenerRequest request, HttpListenerResponse response)
    {
        // 'self' covers ws:/wss: to the same host in current browsers; the explicit form is for older ones.
        // The Host header is echoed only when it is a plain host[:port] (it was matched by HttpListener, but
        // with --host 0.0.0.0 any name is accepted).
        string host = request.Headers["Host"] ?? "";
        string sockets = host.Length is > 0 and <= 255 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']')
            ? $" ws://{host} wss://{host}" : "";
        response.AddHeader("Content-Security-Policy",
            $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'{sockets}; " +
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'");
        response.AddHeader("X-Content-Type-Options", "nosniff");
        response.AddHeader("Referrer-Policy", "no-referrer");
        response.AddHeader("X-Frame-Options", "DENY");
    }

    /// <summary>
    /// Whether a WebSocket upgrade may proceed as far as its <c>Origin</c> goes. Browsers always send one: it must name
    /// the address the request was sent to (the <c>Host</c> header) or be allowed by <c>--allow-origin</c>.
    /// Clients that are not browsers send none and are let through (the token still applies).
    /// </summary>
    public static bool OriginAllowed(string? origin, string? host, IReadOnlyList<string> allowed)
    {
        if (origin is null) return true;
        string o = origin.Trim().ToLowerInvariant();
        if (allowed.Contains(o)) return true;
        if (host is null || !Uri.TryCreate(o, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return false;
        return string.Equals(uri.Authority, host.Trim(), StringComparison.OrdinalIgnoreCase)
            || string.Equals($"{uri.Host}:{uri.Port}", host.Trim(), StringComparison.OrdinalIgnoreCase);
    }
}
