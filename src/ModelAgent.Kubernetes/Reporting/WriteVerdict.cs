namespace ModelAgent.Kubernetes.Reporting;

/// <summary>The outcome of one write and, when it did not simply succeed, why.</summary>
internal sealed record WriteVerdict(WriteOutcome Outcome, string? Reason = null)
{
    public static WriteVerdict Unchanged { get; } = new(WriteOutcome.Unchanged);
    public static WriteVerdict Written { get; } = new(WriteOutcome.Written);
    public static WriteVerdict Throttled { get; } = new(WriteOutcome.Throttled);

    public bool IsFailure => Outcome == WriteOutcome.Failed;
}
