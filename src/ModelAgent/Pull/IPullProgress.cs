using ModelAgent.Coordination;
using ModelAgent.Transfer;

namespace ModelAgent.Pull;

/// <summary>
/// What a pull reports while it runs: the engine's byte and file events, and, on shared storage, the lease this
/// node waits on (with the holder's progress). Called from many threads; implementations must be quick.
/// </summary>
internal interface IPullProgress : ITransferObserver
{
    void Waiting(WaitStatus status) { }

    /// <summary>This node took the download lease over from <paramref name="previousHolder"/>, which stopped renewing it.</summary>
    void TookOver(string? previousHolder) { }

    /// <summary>The origin asked this pull to slow down (HTTP 429 or 503 with a wait): it now waits <paramref name="wait"/>.</summary>
    void RateLimited(TimeSpan wait) { }
}
