using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelAgent.Platform;

namespace ModelAgent.Cli.Run;

/// <summary>
/// The agent's probes on <c>--port</c>, as OME serves them: <c>/healthz</c> (and <c>/healthz/model-agent-health</c>)
/// answers <c>ok</c> while the models root is a directory this process may write, 500 with the reason otherwise;
/// <c>/livez</c> (and <c>/livez/ping</c>) always <c>ok</c>. Ours: <c>/readyz</c> is <c>ok</c> once the watches have
/// listed, 503 before.
/// </summary>
internal static class AgentEndpoints
{
    public static void Map(WebApplication app, string modelsRoot, Func<bool> synced)
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
    }

    private static string? ModelsRootProblem(string root) =>
        !Directory.Exists(root) ? "not a directory (missing?)"
        : Access.WriteProblem(root) is { } denied ? $"not writable ({denied})"
        : null;
}
