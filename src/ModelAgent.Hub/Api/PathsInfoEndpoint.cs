using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Routing;

namespace ModelAgent.Hub.Api;

/// <summary>
/// <c>POST /api/models/{repo}/paths-info/{rev}</c>: one tree entry per existing path, missing ones omitted. The body
/// is JSON <c>{"paths":[...],"expand":true}</c> (huggingface.js) or form-encoded repeated <c>paths</c> (huggingface_hub).
/// Its size is capped by <see cref="HubLimits.MaxRequestBodyBytes"/>: up front from Content-Length, and by Kestrel while
/// a chunked body is read (413 either way).
/// </summary>
internal static class PathsInfoEndpoint
{
    public static async Task HandleAsync(HttpContext context, HubState state, HubRoute route)
    {
        var snapshot = await RepoLookup.SnapshotAsync(context, state, route);
        if (snapshot is null) return;
        var cap = state.Options.Limits.MaxRequestBodyBytes;
        if (context.Request.ContentLength > cap)
        {
            await HubErrors.WriteAsync(context, 413, null, $"Body larger than {cap} bytes; ask for fewer paths per request.");
            return;
        }
        var (paths, expand, problem) = await ReadBodyAsync(context.Request, context.RequestAborted);
        if (problem is not null)
        {
            await HubErrors.WriteAsync(context, 400, null, problem);
            return;
        }
        var answer = new JsonArray();
        foreach (var path in paths.Select(p => p.Trim('/')).Distinct(StringComparer.Ordinal))
            if (snapshot.Item(path) is { } item) answer.Add(TreeEntryJson.Of(item, snapshot, expand));
        await JsonAnswer.WriteAsync(context, state, route.StatsKind, answer);
    }

    private static async Task<(IReadOnlyList<string> Paths, bool Expand, string? Problem)> ReadBodyAsync(HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try { form = await request.ReadFormAsync(cancellationToken); }
            catch (InvalidDataException ex) { return ([], false, $"Form body refused: {ex.Message}"); }
            return ([.. form["paths"].Concat(form["paths[]"]).OfType<string>()],
                form["expand"].Any(v => v is not null && QueryFlags.IsTrue(v)), null);
        }
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
            if (node is not JsonObject body) return ([], false, "Body must be a JSON object {\"paths\": [...], \"expand\": bool}.");
            var paths = body["paths"] switch
            {
                JsonArray array => array.Select(p => p?.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : null).ToList(),
                JsonValue single when single.GetValueKind() == JsonValueKind.String => [single.GetValue<string>()],
                _ => null,
            };
            if (paths is null || paths.Any(p => p is null)) return ([], false, "'paths' must be a list of strings.");
            var expand = body["expand"] is JsonValue e && (e.GetValueKind() == JsonValueKind.True ||
                         (e.GetValueKind() == JsonValueKind.String && QueryFlags.IsTrue(e.GetValue<string>())));
            return (paths!, expand, null);
        }
        catch (JsonException ex)
        {
            return ([], false, $"Body is not valid JSON: {ex.Message}");
        }
    }
}
