using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// --deep against the completion record: re-reads every recorded file and compares it with its recorded digest,
/// naming each file that differs. Runs after the fast check passed, so every file exists with its size.
/// </summary>
internal static class DeepRecordCheck
{
    /// <summary>What the deep check read: bytes and files hashed, and the files whose content differs.</summary>
    public sealed record Outcome(long BytesHashed, int FilesHashed, IReadOnlyList<string> Mismatches);

    public static async Task<Outcome> RunAsync(
        ModelDirectory model, CompletionRecord record, int parallelism, Findings findings, CancellationToken cancellationToken)
    {
        var jobs = new List<ParallelFileHasher.Job>();
        var expected = new List<FileDigest>();
        var undigested = 0;
        foreach (var file in record.Files)
        {
            if (file.Digest is null) { undigested++; continue; }
            if (!FileDigest.TryParse(file.Digest, out var digest))
            {
                findings.Reason($"the completion record has an unreadable digest for '{file.Path}': '{file.Digest}' (expected " +
                    $"sha256:hex, git-blob-sha1:hex or md5:hex)");
                continue;
            }
            var entry = model.Find(file.Path, "the completion record");
            if (entry.Problem is not null) { findings.Reason(entry.Problem); continue; }
            if (!entry.IsFile) { findings.Reason($"'{file.Path}' is missing (listed in the completion record)"); continue; }
            jobs.Add(new ParallelFileHasher.Job(file.Path, entry.FullPath, entry.Size, digest.Algorithm));
            expected.Add(digest);
        }
        if (undigested > 0)
            findings.Note($"{undigested} file(s) have no digest in the completion record (adopted without --deep) and were not re-hashed");

        long bytes = 0;
        var mismatches = new List<string>();
        var outcomes = await ParallelFileHasher.HashAsync(jobs, parallelism, cancellationToken);
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            findings.Checked(outcome.Job.Name);
            if (outcome.Problem is not null) { findings.Reason(outcome.Problem); continue; }
            bytes += outcome.Job.Size;
            var want = expected[i];
            if (outcome.Digest!.Value.Hex == want.Hex) continue;
            mismatches.Add(outcome.Job.Name);
            findings.Reason($"'{outcome.Job.Name}' {FileDigest.Name(want.Algorithm)} differs from the completion record: "
                + $"expected {want.Hex}, found {outcome.Digest.Value.Hex}");
        }
        return new Outcome(bytes, jobs.Count, mismatches);
    }
}
