using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Agent;

/// <summary>
/// Will the completion record answer a pull of this URI into this directory without a request? The same stat-only
/// check the pull makes first (record of our own for the same URI, every file present with its size). The reconciler
/// asks before the pull only to spare work the pull would not use: the credential look-up (a Secret read) and the
/// reuse search (a commit request). A directory that changes between this look and the pull is still handled by the
/// pull, which decides again.
/// </summary>
internal static class RecordAnswer
{
    public static bool IsComplete(string destination, StorageUri uri)
    {
        var read = CompletionRecordStore.Read(destination);
        return read.Record is { Adopted: false } record
               && record.Source == uri.Original
               && record.Include is null && record.Exclude is null
               && RecordCheck.Compare(destination, record).Count == 0;
    }
}
