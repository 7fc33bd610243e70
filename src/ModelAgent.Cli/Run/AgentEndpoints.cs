using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelAgent.Platform;
using Prometheus;

namespace ModelAgent.Cli.Run;

/// <summary>
/// The agent's probes on <c>--port</c>, as OME serves them: <c>/healthz</c> (and <c>/healthz/model-agent-health</c>)
/// answers <c>ok</c> while the models root is a directory this process may write, 500 with the reason otherwise;
/// <c>/livez</c> (and <c>/livez/ping</c>) always <c>ok</c>. Ours: <c>/readyz</c> is <c>ok</c> once the watches have
/// listed, 503 before; <c>/metrics</c> is the process's Prometheus registry in the text exposition format.
/// </summary>
internal static class AgentEndpoints
{
    public static void Map(WebApplication app, string modelsRoot, Func<bool> synced, CollectorRegistry metrics)
    {
        IResult Health() => ModelsRootProblem(modelsRoot) is { } problem
            ? Results.Text($"models root {modelsRoot}: {problem}", statusCode: StatusCodes.Status500InternalServerError)
            : Results.Text("ok");
        app.MapGet("/healthz", Health);
        app.MapGet("/healthz/model-agent-health", Health);
        app.MapGet("/livez", () => Results.Text("ok"));
        app.MapGet("/livez/ping", () => Results.Text("ok"));
        app.MapGet("/readyz", () => synced()
            ? Results.Text("ok")
            : Results.Text("watches not synced yet", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = PrometheusConstants.TextContentTypeWithVersionAndEncoding;
            await metrics.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
    }

    private static string? ModelsRootProblem(string root) =>
        !Directory.Exists(root) ? "not a directory (missing?)"
        : Access.WriteProblem(root) is { } denied ? $"not writable ({denied})"
        : null;
}
