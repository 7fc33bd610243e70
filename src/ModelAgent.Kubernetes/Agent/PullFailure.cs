using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// Why a pull failed, in words for the ConfigMap entry, and whether another attempt within the same reconcile can help
/// (<c>--download-retry</c>). Only an origin that was busy or unreachable is tried again at once; bad input (gated, not
/// found, refused) and our own disk (full, read-only) are reported Failed and left to the work queue's backoff, since
/// an immediate retry would fail the same way.
/// </summary>
internal sealed record PullFailure(string Reason, bool Transient)
{
    /// <summary>The disk cannot hold the model (the admission check, or ENOSPC while writing).</summary>
    public bool InsufficientStorage { get; init; }

    /// <summary>The failure <paramref name="e"/> is; null for a cancellation (a delete or shutdown), which is no failure.</summary>
    public static PullFailure? From(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        OriginException origin => new(origin.Message, origin.IsTransient),
        TransferFailedException transfer => new(transfer.Message, Transient: true),
        LocalStorageException local => new(local.Message, Transient: false)
        {
            InsufficientStorage = local.Failure == LocalStorageFailure.NoSpace,
        },
        PullRefusedException refused => new(refused.Message, Transient: false),
        UnsafeStateException unsafeState => new(unsafeState.Message, Transient: false),
        HttpRequestException or TimeoutException => new($"the origin could not be reached: {e.Message}", Transient: true),
        // A client timeout surfaces as a cancellation of a token that is not ours.
        OperationCanceledException => new("a request to the origin timed out", Transient: true),
        _ => new($"unexpected error ({e.GetType().Name}): {e.Message}", Transient: false),
    };
}
