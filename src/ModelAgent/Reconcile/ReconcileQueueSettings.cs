namespace ModelAgent.Reconcile;

/// <summary>How many keys run at once (<c>--num-download-worker</c>) and the failure backoff.</summary>
internal sealed record ReconcileQueueSettings
{
    public int Workers { get; init; } = 5;
    public ReconcileBackoff Backoff { get; init; } = ReconcileBackoff.Default;

    public void Validate()
    {
        if (Workers < 1)
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "--num-download-worker must be at least 1");
        Backoff.Validate();
    }
}
