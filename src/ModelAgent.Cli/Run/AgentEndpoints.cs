using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelAgent.Platform;
using Prometheus;

namespace ModelAgent.Cli.Run;

/// <summary>
/// The agent's probes on <c>--port</c>, as OME serves them: <c>/healthz</c> (and <c>/healthz/model-agent-health</c>)
/// answers <c>ok</c> while the models root is a directory this process may write, 500 with the reason otherwise;
/// <c>/livez</c> (and <c>/livez/ping</c>) always <c>ok</c>. Ours: <c>/readyz</c> is <c>ok</c> once the watches have
/// listed, 503 before and while a watch has failed for longer than <see cref="WatchFailureBound"/>; <c>/metrics</c> is
/// the process's Prometheus registry in the text exposition format.
/// </summary>
internal static class AgentEndpoints
{
    /// <summary>
    /// Two of the watch backoff's longest waits (30 s): a blip of the API server keeps the agent ready; a watch that
    /// has not worked for a minute means the agent no longer sees changes to its models.
    /// </summary>
    public static readonly TimeSpan WatchFailureBound = TimeSpan.FromMinutes(1);

    public static void Map(WebApplication app, string modelsRoot, Func<bool> synced, Func<TimeSpan> watchFailingFor,
        CollectorRegistry metrics)
    {
        IResult Health() => ModelsRootProblem(modelsRoot) is { } problem
            ? Results.Text($"models root {modelsRoot}: {problem}", statusCode: StatusCodes.Status500InternalServerError)
            : Results.Text("ok");
        app.MapGet("/healthz", Health);
        app.MapGet("/healthz/model-agent-health", Health);
        app.MapGet("/livez", () => Results.Text("ok"));
        app.MapGet("/livez/ping", () => Results.Text("ok"));
        app.MapGet("/readyz", () => !synced()
            ? Results.Text("watches not synced yet", statusCode: StatusCodes.Status503ServiceUnavailable)
            : watchFailingFor() is var failing && failing > WatchFailureBound
                ? Results.Text($"a watch has failed for {failing.TotalSeconds:0} s (more than {WatchFailureBound.TotalSeconds:0} s); " +
                    "the log names the resource and the error", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text("ok"));
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
