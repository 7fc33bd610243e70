using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// "Is this directory a complete model?" in docs/design.md section 2's order of trust: the completion record when
/// there is one (stat only; --deep re-hashes against its digests), else the layout rules. Never opens a name
/// that leads outside the directory, and reports permission errors as such.
/// </summary>
internal sealed class CompletenessCheck(ILogger<CompletenessCheck>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<CompletenessCheck>.Instance;

    public async Task<Verdict> InspectAsync(string directory, InspectOptions options, CancellationToken cancellationToken)
    {
        var verdict = await InspectCoreAsync(Path.GetFullPath(directory), options, cancellationToken);
        if (verdict.Complete)
            _logger.LogInformation("Model directory {Directory} is complete ({Layout}, {FileCount} files checked, from record: " +
                "{FromRecord})",
                directory, verdict.Layout, verdict.FilesChecked.Count, verdict.FromRecord);
        else if (verdict.Unreadable)
            _logger.LogWarning("Model directory {Directory} could not be read: {Reasons}", directory, string.Join("; ", verdict.Reasons));
        else
            _logger.LogInformation("Model directory {Directory} is incomplete ({Layout}): {Reasons}",
                directory, verdict.Layout, string.Join("; ", verdict.Reasons));
        return verdict;
    }

    private static async Task<Verdict> InspectCoreAsync(string directory, InspectOptions options, CancellationToken cancellationToken)
    {
        if (ProbeDirectory(directory) is { } absent) return absent;
        if (ProbeReadable(directory) is { } unreadable) return unreadable;

        var model = new ModelDirectory(directory);
        var read = CompletionRecordStore.Read(directory);
        if (read.Problem is not null)
            return new Verdict
            {
                Complete = false, Layout = Layouts.Record, Reasons = [read.Problem], FromRecord = true,
                Declarations = [new DeclarationCheck(Layouts.Record, RecordName, [read.Problem])],
            };
        if (read.Record is { } record) return await FromRecordAsync(model, record, options, cancellationToken);

        var findings = new Findings();
        var layout = new LayoutRules(model, findings).InspectRoot();
        return new Verdict
        {
            Complete = findings.ReasonCount == 0,
            Layout = layout,
            Reasons = findings.Reasons,
            Notes = findings.Notes,
            FilesChecked = [.. findings.FilesChecked],
            Declarations = findings.Declarations,
        };
    }

    private static string RecordName => $"{CompletionRecordStore.DirectoryName}/{CompletionRecordStore.FileName}";

    private static async Task<Verdict> FromRecordAsync(ModelDirectory model, CompletionRecord record, InspectOptions options,
        CancellationToken cancellationToken)
    {
        var findings = new Findings();
        DeepRecordCheck.Outcome? deep = null;
        using (findings.Declaration(Layouts.Record, RecordName))
        {
            foreach (var reason in RecordCheck.Compare(model.Root, record)) findings.Reason(reason);
            if (options.Deep && findings.ReasonCount == 0)
                deep = await DeepRecordCheck.RunAsync(model, record, options.Parallelism, findings, cancellationToken);
            else if (options.Deep)
                findings.Note("--deep: not re-hashed, the fast check against the completion record already failed");
        }
        return new Verdict
        {
            Complete = findings.ReasonCount == 0,
            Layout = Layouts.Record,
            Reasons = findings.Reasons,
            Notes = findings.Notes,
            FilesChecked = [.. record.Files.Select(f => f.Path)],
            FromRecord = true,
            RecordAdopted = record.Adopted,
            RecordedLayout = record.Layout,
            Deep = options.Deep,
            BytesHashed = deep?.BytesHashed ?? 0,
            FilesHashed = deep?.FilesHashed ?? 0,
            ContentMismatches = deep?.Mismatches ?? [],
            Declarations = findings.Declarations,
            Selection = RecordSelection.Of(record),
            RecordSource = record.Source,
        };
    }

    /// <summary>
    /// A verdict when the directory exists but cannot be listed (permission denied, EIO): an I/O failure, not an
    /// incomplete model; null when it can be read.
    /// </summary>
    private static Verdict? ProbeReadable(string directory)
    {
        string problem;
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            entries.MoveNext();
            return null;
        }
        catch (UnauthorizedAccessException) { problem = $"permission denied reading the directory '{directory}'"; }
        catch (IOException e) { problem = $"cannot read the directory '{directory}': {e.Message}"; }
        return new Verdict { Complete = false, Layout = Layouts.None, Reasons = [problem], Unreadable = true };
    }

    /// <summary>A verdict when the path is not a directory to judge; null when it is one.</summary>
    private static Verdict? ProbeDirectory(string directory)
    {
        string? problem;
        var found = true;
        try
        {
            var attributes = new DirectoryInfo(directory).Attributes;
            if ((int)attributes == -1) { problem = $"directory '{directory}' does not exist"; found = false; }
            else if ((attributes & FileAttributes.Directory) == 0) { problem = $"'{directory}' is not a directory"; found = false; }
            else problem = null;
        }
        catch (UnauthorizedAccessException)
        {
            problem = $"permission denied looking up '{directory}' (a parent directory is not searchable)";
        }
        catch (IOException e) { problem = $"cannot look up '{directory}': {e.Message}"; }
        return problem is null
            ? null
            : new Verdict { Complete = false, Layout = Layouts.None, Reasons = [problem], DirectoryFound = found, Unreadable = found };
    }
}
