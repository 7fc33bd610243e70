namespace ModelAgent.Kubernetes.Standalone;

/// <summary>Where the models file is and how the host watches it; the defaults are the daemon's, tests shorten them.</summary>
internal sealed record ModelsFileOptions(string Path)
{
    /// <summary>How often the file is stat'ed besides the watcher's events (a rename on a network share raises none).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>As <see cref="Agent.Hosting.AgentHostOptions.ShutdownBound"/>: how long stopping waits for reconciles.</summary>
    public TimeSpan ShutdownBound { get; init; } = TimeSpan.FromSeconds(8);
}
