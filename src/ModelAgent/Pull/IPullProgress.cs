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
}
