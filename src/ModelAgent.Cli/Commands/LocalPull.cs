using Microsoft.Extensions.Logging;
using ModelAgent.Cli.Progress;
using ModelAgent.Completion;
using ModelAgent.Pull;
using ModelAgent.Storage;
using ModelAgent.Verification;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>pull local:///path</c>: files already on the node are used in place, never copied, changed or deleted. The
/// completeness check decides (completion record first, then the layout rules); a directory another tool wrote that
/// passes the layout rules is adopted (a record with adopted=true), so the next pull is the fast stat-only one.
/// </summary>
internal static class LocalPull
{
    public static async Task<int> RunAsync(LocalUri uri, string? dest, IProgressView view, ILogger logger,
        CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(uri.Path);
        if (dest is not null && Path.GetFullPath(dest) != directory)
        {
            view.Error($"{uri.Original}: a local:// model is used in place; drop --dest or set it to {directory}", "usage");
            return ExitCodes.Usage;
        }
        var verdict = await new CompletenessCheck().InspectAsync(directory, new InspectOptions(), cancellationToken);
        if (!verdict.DirectoryFound)
        {
            view.Error($"{uri.Original}: {directory} is not an existing directory; check the path", "not-found");
            return ExitCodes.Usage;
        }
        if (!verdict.Complete)
        {
            view.Error($"{uri.Original}: incomplete: {string.Join("; ", verdict.Reasons.Take(10))}", "incomplete");
            return ExitCodes.Incomplete;
        }
        if (verdict.Adoptable)
        {
            var adoption = await new ModelAdoption(TimeProvider.System).AdoptAsync(directory, verdict, computeDigests: false,
                Environment.ProcessorCount, cancellationToken);
            if (!adoption.Written)
            {
                view.Error($"{uri.Original}: complete by the layout rules, but the completion record could not be written: " +
                    $"{adoption.Problem}", "io");
                return ExitCodes.Usage;
            }
            logger.LogInformation("Adopted {Directory} as a complete {Layout} model: {Files} files recorded in {Record}", directory,
                verdict.Layout, adoption.FileCount, adoption.RecordPath);
        }
        else logger.LogInformation("{Source} is complete in place (completion record)", uri.Original);

        var record = CompletionRecordStore.Read(directory).Record;
        long bytes = 0;
        foreach (var file in record?.Files ?? []) bytes += file.Size;
        view.Complete(new PullOutcome(PullResult.AlreadyComplete, uri.Original, record?.Revision, null, 0, record?.Files.Count ?? 0, 0,
            bytes), directory);
        return ExitCodes.Success;
    }
}
