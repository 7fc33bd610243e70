using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ModelAgent.Hub.Api;

/// <summary>Writes a JSON 200 with an exact Content-Length, and counts its bytes.</summary>
internal static class JsonAnswer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static Task WriteAsync(HttpContext context, HubState state, string kind, JsonNode node, string? commit = null) =>
        WriteBytesAsync(context, state, kind, JsonSerializer.SerializeToUtf8Bytes(node, Options), commit);

    public static Task WriteAsync<T>(HttpContext context, HubState state, string kind, T value) =>
        WriteBytesAsync(context, state, kind, JsonSerializer.SerializeToUtf8Bytes(value, Options), null);

    private static async Task WriteBytesAsync(HttpContext context, HubState state, string kind, byte[] body, string? commit)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        if (commit is not null) response.Headers["X-Repo-Commit"] = commit;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        state.Stats.CountBytes(kind, null, body.Length);
        RequestTally.Of(context).Add(body.Length);
        using var guard = new StalledWriteGuard(context, state);
        await guard.WriteAsync(body, context.RequestAborted);
    }
}
