using System.Reflection;
using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// Adoption: a directory another tool wrote, complete by the layout rules, gets a completion record with
/// adopted=true listing every file in it with its size (and its sha256 when asked), so the next check is the fast
/// one. Files that change afterwards make the record disagree, which is what a record is for.
/// </summary>
internal sealed class ModelAdoption(TimeProvider time)
{
    public async Task<AdoptionResult> AdoptAsync(string directory, Verdict verdict, bool computeDigests, int parallelism,
        CancellationToken cancellationToken)
    {
        if (!verdict.Adoptable)
            return AdoptionResult.Refused(verdict.FromRecord
                ? "not adopted: the directory already has a completion record"
                : "not adopted: the directory is not complete by the layout rules");

        var model = new ModelDirectory(directory);
        var listing = ModelFileTree.List(model);
        if (listing.Problem is not null) return AdoptionResult.Refused($"not adopted: {listing.Problem}");

        var digests = new string?[listing.Files.Count];
        if (computeDigests)
        {
            var jobs = listing.Files.Select(f => new ParallelFileHasher.Job(f.Name, f.FullPath, f.Size, DigestAlgorithm.Sha256)).ToList();
            var outcomes = await ParallelFileHasher.HashAsync(jobs, parallelism, cancellationToken);
            for (var i = 0; i < outcomes.Count; i++)
            {
                if (outcomes[i].Problem is { } problem) return AdoptionResult.Refused($"not adopted: {problem}");
                digests[i] = outcomes[i].Digest!.Value.ToString();
            }
        }

        var record = new CompletionRecord
        {
            FormatVersion = CompletionRecord.CurrentFormatVersion,
            Source = model.Root,
            Revision = null,
            Files = [.. listing.Files.Select((f, i) => new RecordedFile(f.Name, f.Size, digests[i]))],
            WrittenBy = new RecordWriter(ToolName, Environment.MachineName, time.GetUtcNow()),
            Adopted = true,
            Layout = verdict.Layout,
        };
        try { await CompletionRecordStore.WriteAsync(model.Root, record, cancellationToken); }
        catch (Storage.UnsafeStateException e) { return AdoptionResult.Refused($"not adopted: {e.Message}"); }
        return new AdoptionResult(true, CompletionRecordStore.PathFor(model.Root), record.Files.Count, listing.Skipped, null);
    }

    private static string ToolName =>
        "model-agent/"
            + (typeof(ModelAdoption).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? "unknown");
}

/// <summary>What adoption did: the record written and the files it lists, or why nothing was written.</summary>
internal sealed record AdoptionResult(bool Written, string? RecordPath, int FileCount, IReadOnlyList<string> Skipped, string? Problem)
{
    public static AdoptionResult Refused(string problem) => new(false, null, 0, [], problem);
}
