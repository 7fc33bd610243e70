using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Pull;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Transfer;

namespace ModelAgent.Cli.Run;

/// <summary>
/// Everything <c>model-agent run</c> was told, checked: what the composition builds the agent from.
/// <paramref name="LeasesInKubernetes"/>: Lease objects in the agent's namespace (the default) rather than lease files on
/// the share; <paramref name="Coordination"/> then gets its backend once the API server is found.
/// </summary>
internal sealed record RunSettings(
    AgentSettings Agent,
    int Port,
    LogLevel LogLevel,
    Uri Endpoint,
    IHfTokenSource Tokens,
    TransferOptions Transfer,
    CoordinationSettings Coordination,
    bool LeasesInKubernetes)
{
    /// <summary>Set by <c>--models</c>: no Kubernetes at all, the models file and the host's labels instead.</summary>
    public StandaloneSettings? Standalone { get; init; }

    /// <summary>The agent-wide S3 store (<c>AWS_ENDPOINT_URL_S3</c>, <c>AWS_REGION</c>); a model's parameters override it.</summary>
    public Sources.S3.S3ClientSettings S3 { get; init; } = new(null, null);
}
