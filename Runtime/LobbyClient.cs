using System.Net;

namespace AcWs.Runtime;

/// <summary>
/// What the lobby said to one register call: accepted or not, and its answer (or the network error).
/// <see cref="FromLobby"/>: <see cref="Msg"/> is the lobby's own answer, word for word.
/// </summary>
public sealed record LobbyAnswer(bool Ok, string Msg, bool FromLobby = false);

/// <summary>
/// The one place acws talks HTTP to the Kunos lobby: a GET of a register address. Success is HTTP 200 with
/// no <c>ERROR</c> in the body (the lobby answers <c>OK,…</c> or <c>ERROR,…</c>). Never throws.
/// </summary>
public static class LobbyClient
{
    // No proxy: acServer itself calls the lobby directly, and the tests' stand-in lobby is on loopback.
    static readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    const int MaxAnswer = 300;

    public static async Task<LobbyAnswer> RegisterAsync(string url, TimeSpan timeout, CancellationToken cancel = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, cts.Token);
            string body = Clip((await response.Content.ReadAsStringAsync(cts.Token)).Trim());
            if (response.StatusCode != HttpStatusCode.OK)
                return new(false, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}" + (body.Length > 0 ? $": {body}" : ""));
            if (body.Contains("ERROR", StringComparison.OrdinalIgnoreCase)) return new(false, body, FromLobby: true);
            return new(true, body, FromLobby: true);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return new(false, $"no answer from {HostOf(url)} within {timeout.TotalSeconds:0.#} s");
        }
        catch (OperationCanceledException)
        {
            return new(false, "cancelled: acws is shutting down");
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or UriFormatException or IOException)
        {
            return new(false, $"cannot reach {HostOf(url)}: {e.Message}");
        }
    }

    static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Authority : url;

    static string Clip(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length <= MaxAnswer ? s : s[..MaxAnswer] + "…";
    }
}
