namespace ModelAgent.Reconcile;

/// <summary>
/// How many keys run at once (<c>--num-download-worker</c>). The failure backoff is the environment's
/// <see cref="Resilience.RetrySettings.Reconcile"/>.
/// </summary>
internal sealed record ReconcileQueueSettings
{
    public int Workers { get; init; } = 5;

    public void Validate()
    {
        if (Workers < 1)
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "--num-download-worker must be at least 1");
    }
}
