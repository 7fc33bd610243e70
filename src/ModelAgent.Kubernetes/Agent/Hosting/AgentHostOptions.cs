namespace ModelAgent.Kubernetes.Agent.Hosting;

/// <summary>The host's own timings; the defaults are the daemon's, tests shorten them.</summary>
internal sealed record AgentHostOptions
{
    /// <summary>
    /// How long shutdown waits for running reconciles to honour their cancellation. Below the 10 s a DaemonSet's pod is
    /// given before SIGKILL (and the host's ShutdownTimeout), so a stuck reconcile cannot cost a clean exit.
    /// </summary>
    public TimeSpan ShutdownBound { get; init; } = TimeSpan.FromSeconds(8);
}
