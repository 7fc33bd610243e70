namespace ModelAgent.Kubernetes.Reporting;

/// <summary>What one write of a label or a ConfigMap entry came to.</summary>
internal enum WriteOutcome
{
    /// <summary>The cluster already held the desired value: no write request was made.</summary>
    Unchanged,

    Written,

    /// <summary>A progress report within the interval: nothing was sent.</summary>
    Throttled,

    /// <summary>NotFound, Invalid or BadRequest on a label: retrying cannot help, so, as OME does, treated as done.</summary>
    GaveUp,

    /// <summary>The API server kept failing (or refused for good); the reason says what to fix.</summary>
    Failed,
}
