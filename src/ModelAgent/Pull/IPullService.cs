namespace ModelAgent.Pull;

/// <summary>
/// The one pull pipeline (inspect, resolve, coordinate, transfer, record) shared by <c>pull</c>, <c>demo</c> and
/// <c>run</c>. Expected failures are exceptions of known types: <see cref="Sources.OriginException"/> (the origin
/// refused or failed), <see cref="Transfer.LocalStorageException"/> (our disk, including too little free space),
/// <see cref="Transfer.TransferFailedException"/>, <see cref="PullRefusedException"/> (bad input, another model in
/// the directory, an incomplete local:// model) and <see cref="Storage.UnsafeStateException"/>.
/// </summary>
internal interface IPullService
{
    Task<PullOutcome> PullAsync(PullRequest request, IPullProgress? progress, CancellationToken cancellationToken);

    /// <summary>
    /// The commit the request's revision points at now (one metadata request, no listing), for artifact reuse; null
    /// for sources without commits (local://, object stores).
    /// </summary>
    Task<string?> ResolveCommitAsync(PullRequest request, CancellationToken cancellationToken);
}
