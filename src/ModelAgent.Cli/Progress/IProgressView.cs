using ModelAgent.Coordination;
using ModelAgent.Pull;
using ModelAgent.Sources;

namespace ModelAgent.Cli.Progress;

/// <summary>How a pull shows itself on stdout: a redrawn terminal display, plain lines, or JSON events.</summary>
internal interface IProgressView
{
    /// <summary>Called on a timer (every few hundred ms); a view decides whether to print.</summary>
    void Tick(ProgressState state, bool final);
    void FileFinished(SnapshotFile file, bool transferred);
    void Complete(PullOutcome outcome, string destination);
    void Error(string message, string kind);
    /// <summary>Another pull is downloading the model (or its last attempt failed); called after every look at the lease.</summary>
    void Waiting(WaitStatus status);
}
