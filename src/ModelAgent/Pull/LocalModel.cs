using Microsoft.Extensions.Logging;
using ModelAgent.Completion;
using ModelAgent.Storage;
using ModelAgent.Verification;

namespace ModelAgent.Pull;

/// <summary>
/// A local:// model: files already on the node are used in place, never copied, changed or deleted. The
/// completeness check decides (completion record first, then the layout rules); a directory another tool wrote that
/// passes the layout rules is adopted (a record with adopted=true), so the next check is the fast stat-only one. Any
/// other answer is a <see cref="PullRefusedException"/> with the reasons: there is no origin to fetch from.
/// </summary>
internal sealed class LocalModel(TimeProvider time, ILogger logger)
{
    public async Task<PullOutcome> CheckAsync(LocalUri uri, PullRequest request, CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(uri.Path);
        if (request.Repair)
            throw new PullRefusedException($"'{uri.Original}': --repair fetches from an origin, and a local:// model is used in place; " +
                $"check it with: model-agent verify DIR --deep", PullRefusedException.Usage);
        if (Path.GetFullPath(request.Destination) != directory)
            throw new PullRefusedException($"{uri.Original}: a local:// model is used in place; drop --dest or set it to {directory}",
                PullRefusedException.Usage);
        var verdict = await new CompletenessCheck().InspectAsync(directory, new InspectOptions(), cancellationToken);
        if (!verdict.DirectoryFound)
            throw new PullRefusedException($"{uri.Original}: {directory} is not an existing directory; check the path",
                PullRefusedException.NotFound);
        if (!verdict.Complete)
        {
            logger.LogWarning("{Source} is not a complete model: {Reasons}", uri.Original, string.Join("; ", verdict.Reasons.Take(10)));
            throw new PullRefusedException($"{uri.Original}: incomplete: {string.Join("; ", verdict.Reasons.Take(10))}",
                PullRefusedException.Incomplete);
        }
        if (verdict.Adoptable)
        {
            var adoption = await new ModelAdoption(time).AdoptAsync(directory, verdict, computeDigests: false, Environment.ProcessorCount,
                cancellationToken);
            if (!adoption.Written)
                throw new PullRefusedException($"{uri.Original}: complete by the layout rules, but the completion record could not be " +
                    $"written: {adoption.Problem}", "io");
            logger.LogInformation("Adopted {Directory} as a complete {Layout} model: {Files} files recorded in {Record}", directory,
                verdict.Layout, adoption.FileCount, adoption.RecordPath);
        }
        else logger.LogInformation("{Source} is complete in place (completion record)", uri.Original);

        var record = CompletionRecordStore.Read(directory).Record;
        long bytes = 0;
        foreach (var file in record?.Files ?? []) bytes += file.Size;
        return new PullOutcome(PullResult.AlreadyComplete, uri.Original, record?.Revision, null, 0, record?.Files.Count ?? 0, 0, bytes);
    }
}
