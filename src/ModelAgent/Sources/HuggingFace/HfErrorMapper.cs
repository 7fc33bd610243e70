using System.Net;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Turns a Hub error answer into a message that tells the user what to do. Reads <c>X-Error-Code</c> first
/// (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), then the status. Text from the server is
/// scrubbed of the token, then escaped and bounded (<see cref="Storage.DisplayName"/>) before it is quoted.
/// </summary>
internal static class HfErrorMapper
{
    private const string InvalidCredentials = "Invalid credentials in Authorization header";
    private const string Disabled = "Access to this resource is disabled.";

    /// <param name="subject">What the request was about, e.g. "hf://org/x@main".</param>
    /// <param name="action">What was being done, e.g. "listing files" or "downloading config.json".</param>
    public static OriginException Map(string subject, string action, HttpResponseMessage response, HfToken? token)
    {
        var code = Header(response, "X-Error-Code");
        var serverMessage = Clean(Header(response, "X-Error-Message"), token);
        var status = (int)response.StatusCode;
        var detail = Detail(response, serverMessage, status);
        var tokenHint = token is null
            ? "set HF_TOKEN or --token-file for a private or gated repo"
            : "the token given may lack access to it (private repo of another account?)";

        switch (code)
        {
            case "RepoNotFound":
                return new(OriginFailureKind.RepositoryNotFound,
                    $"{subject}: repository not found or not visible with the token given; check the name, or {tokenHint}{detail}");
            case "RevisionNotFound":
                return new(OriginFailureKind.RevisionNotFound,
                    $"{subject}: revision not found; check the branch, tag or commit after '@' (default is main){detail}");
            case "EntryNotFound":
                return new(OriginFailureKind.EntryNotFound,
                    $"{subject}: file not found while {action}; the repository changed since it was listed, rerun the pull{detail}");
            case "GatedRepo":
                return status == 403
                    ? new(OriginFailureKind.Gated,
                        $"{subject}: gated repository and the token's account is not on its authorized list; request access on the " +
                        $"model page on the Hub, wait for approval, then retry{detail}")
                    : new(OriginFailureKind.Gated,
                        $"{subject}: gated repository; accept its conditions on the model page on the Hub and set HF_TOKEN or " +
                        $"--token-file with a token of that account{detail}");
        }

        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized when serverMessage == InvalidCredentials || token is not null && serverMessage is null =>
                new(OriginFailureKind.Unauthorized,
                    $"{subject}: the token was refused (invalid, expired or revoked); create a new read token and set HF_TOKEN or " +
                    $"--token-file{detail}"),
            HttpStatusCode.Unauthorized when token is null =>
                new(OriginFailureKind.RepositoryNotFound,
                    $"{subject}: repository not found or not visible without a token; check the name, or set HF_TOKEN or --token-file " +
                    $"for a private or gated repo{detail}"),
            HttpStatusCode.Unauthorized =>
                new(OriginFailureKind.RepositoryNotFound,
                    $"{subject}: repository not found or not visible with the token given; check the name, and that the token's account " +
                    $"can read this repo{detail}"),
            HttpStatusCode.Forbidden when serverMessage == Disabled =>
                new(OriginFailureKind.Forbidden,
                    $"{subject}: the repository is disabled on the Hub; nothing can be downloaded from it{detail}"),
            HttpStatusCode.Forbidden =>
                new(OriginFailureKind.Forbidden,
                    $"{subject}: access denied while {action}; check that the token has read access to this repository{detail}"),
            HttpStatusCode.NotFound =>
                new(OriginFailureKind.RepositoryNotFound,
                    $"{subject}: not found while {action}; check the repository name and revision, and the --endpoint / " +
                    $"HF_ENDPOINT{detail}"),
            HttpStatusCode.TooManyRequests =>
                new(OriginFailureKind.RateLimited,
                    $"{subject}: still rate-limited by the Hub while {action} after waiting as long as allowed; set HF_TOKEN " +
                    $"(authenticated requests have a higher quota), let nodes on shared storage download once (--shared-storage), or " +
                    $"retry later{detail}"),
            HttpStatusCode.RequestedRangeNotSatisfiable =>
                new(OriginFailureKind.InvalidResponse,
                    $"{subject}: the origin refused a byte range while {action}; the file is smaller than listed, the repository may " +
                    $"have changed{detail}"),
            _ when status >= 500 || status == 408 =>
                new(OriginFailureKind.Unavailable,
                    $"{subject}: the Hub kept failing while {action} (HTTP {status}) after every retry; retry later{detail}"),
            _ => new(OriginFailureKind.Other, $"{subject}: unexpected HTTP {status} while {action}{detail}"),
        };
    }

    private static string Detail(HttpResponseMessage response, string? serverMessage, int status)
    {
        var requestId = Header(response, "X-Request-Id");
        var parts = new List<string> { $"HTTP {status}" };
        if (serverMessage is not null) parts.Add($"server said: {serverMessage}");
        if (requestId is not null) parts.Add($"request id {Clean(requestId, null)}");
        return " (" + string.Join("; ", parts) + ")";
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Server text is untrusted: escaped, bounded, single-line, and never carrying the token back out.</summary>
    internal static string? Clean(string? text, HfToken? token)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        // Redact before shortening, so a token cut at the limit cannot leak its prefix.
        if (token is not null) text = token.Redact(text);
        return Storage.DisplayName.Escape(text.Trim(), maxLength: 300);
    }
}
