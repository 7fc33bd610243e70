using Microsoft.Extensions.Logging;
using ModelAgent.Cli.Progress;
using ModelAgent.Completion;
using ModelAgent.Pull;
using ModelAgent.Storage;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>pull local:///path</c>: files already on the node are used in place, never copied or deleted. For now the
/// answer is the completion record's fast check only; adopting a directory written by another tool (layout rules,
/// DESIGN.md section 2) comes with the completeness check, so such a directory is reported incomplete, not guessed.
/// </summary>
internal static class LocalPull
{
    public static int Run(LocalUri uri, string? dest, IProgressView view, ILogger logger)
    {
        var directory = Path.GetFullPath(uri.Path);
        if (dest is not null && Path.GetFullPath(dest) != directory)
        {
            view.Error($"{uri}: a local:// model is used in place; drop --dest or set it to {directory}", "usage");
            return ExitCodes.Usage;
        }
        if (!Directory.Exists(directory))
        {
            view.Error($"{uri}: directory {directory} does not exist", "not-found");
            return ExitCodes.Incomplete;
        }
        var read = CompletionRecordStore.Read(directory);
        if (read.Record is null)
        {
            var why = read.Problem ?? "it has no completion record (.model-agent/manifest.json)";
            view.Error($"{uri}: cannot confirm the model is complete: {why}; adopting directories written by other tools needs the layout check, which pull does not do yet", "incomplete");
            return ExitCodes.Incomplete;
        }
        var reasons = RecordCheck.Compare(directory, read.Record);
        if (reasons.Count > 0)
        {
            view.Error($"{uri}: incomplete: {string.Join("; ", reasons.Take(10))}", "incomplete");
            return ExitCodes.Incomplete;
        }
        long bytes = 0;
        foreach (var file in read.Record.Files) bytes += file.Size;
        logger.LogInformation("{Source} is complete in place: {Files} files match the completion record", uri.Original, read.Record.Files.Count);
        view.Complete(new PullOutcome(PullResult.AlreadyComplete, uri.Original, read.Record.Revision, null, 0, read.Record.Files.Count, 0, bytes), directory);
        return ExitCodes.Success;
    }
}
