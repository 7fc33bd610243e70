using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ModelAgent.Hub.Api;

/// <summary>
/// Error answers shaped like the Hub's: <c>X-Error-Code</c> (what clients map to exception types),
/// <c>X-Error-Message</c>, and a JSON body <c>{"error": "..."}</c>.
/// </summary>
internal static class HubErrors
{
    public const string RepoNotFound = "RepoNotFound";
    public const string RevisionNotFound = "RevisionNotFound";
    public const string EntryNotFound = "EntryNotFound";
    public const string GatedRepo = "GatedRepo";

    public static async Task WriteAsync(HttpContext context, int status, string? code, string message, string? commit = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (code is not null) response.Headers["X-Error-Code"] = code;
        response.Headers["X-Error-Message"] = HeaderSafe(message);
        if (commit is not null) response.Headers["X-Repo-Commit"] = commit;
        var body = JsonSerializer.SerializeToUtf8Bytes(new { error = message });
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method)) await response.Body.WriteAsync(body, context.RequestAborted);
    }

    // Header values must be ASCII without control characters; file names in messages may be neither.
    private static string HeaderSafe(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var c in message) builder.Append(c is >= ' ' and <= '~' ? c : '?');
        return builder.ToString();
    }
}
