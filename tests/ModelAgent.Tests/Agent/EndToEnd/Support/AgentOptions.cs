namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// The flags of one <c>model-agent run</c> process, as a DaemonSet pod on node <see cref="NodeName"/> gets them.
/// Leases are short (15 s) so a killed holder is replaced soon, and waiters poll every second so Ready follows the
/// record closely; renewals (5 s) leave room for a loaded machine.
/// </summary>
internal sealed record AgentOptions(string NodeName, string ModelsRootDir)
{
    /// <summary>Null leaves <c>--namespace</c> out (<c>run --models</c> refuses it).</summary>
    public string? Namespace { get; init; } = "ome";
    public int Port { get; init; }
    public int Workers { get; init; } = 2;
    public string SharedStorage { get; init; } = "yes";
    public string? Coordination { get; init; }
    public int? LeaseDurationSeconds { get; init; } = 15;
    public int? LeaseRenewIntervalSeconds { get; init; } = 5;
    public int? LeasePollIntervalSeconds { get; init; } = 1;
    public string? RecordCheckInterval { get; init; }
    public string LogLevel { get; init; } = "debug";
    public IReadOnlyList<string> Extra { get; init; } = [];

    /// <summary>When set, the whole command line instead of the one built from these options (e.g. a DaemonSet's args).</summary>
    public IReadOnlyList<string>? ExactArguments { get; init; }

    public IReadOnlyList<string> Arguments()
    {
        if (ExactArguments is not null) return ExactArguments;
        var args = new List<string>
        {
            "run", "--node-name", NodeName, "--models-root-dir", ModelsRootDir,
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--num-download-worker", Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--shared-storage", SharedStorage, "--log-level", LogLevel,
        };
        if (Namespace is not null) args.AddRange(["--namespace", Namespace]);
        if (Coordination is not null) args.AddRange(["--coordination", Coordination]);
        if (LeaseDurationSeconds is { } duration) args.AddRange(["--lease-duration", $"{duration}"]);
        if (LeaseRenewIntervalSeconds is { } renew) args.AddRange(["--lease-renew-interval", $"{renew}"]);
        if (LeasePollIntervalSeconds is { } poll) args.AddRange(["--lease-poll-interval", $"{poll}"]);
        if (RecordCheckInterval is not null) args.AddRange(["--record-check-interval", RecordCheckInterval]);
        args.AddRange(Extra);
        return args;
    }
}
