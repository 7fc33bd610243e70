using ModelAgent.Completion;

namespace ModelAgent.Verification;

/// <summary>
/// Hashes many files at once, one file per worker and as many workers as cores, largest files first so the last
/// one to finish is a small one. SHA-256 runs at a core's speed, so files, not ranges, are the unit of parallelism.
/// </summary>
internal static class ParallelFileHasher
{
    public sealed record Job(string Name, string FullPath, long Size, DigestAlgorithm Algorithm);

    /// <summary>The digest of a job's file, or the reason it could not be read (worded for a person).</summary>
    public sealed record Outcome(Job Job, FileDigest? Digest, string? Problem);

    public static async Task<IReadOnlyList<Outcome>> HashAsync(IReadOnlyList<Job> jobs, int parallelism,
        CancellationToken cancellationToken)
    {
        var outcomes = new Outcome[jobs.Count];
        var order = Enumerable.Range(0, jobs.Count).OrderByDescending(i => jobs[i].Size).ToList();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(order, options, async (i, token) =>
        {
            var job = jobs[i];
            if (RegularFile.Refusal(job.FullPath) is { } refusal)
            {
                outcomes[i] = new Outcome(job, null, $"'{job.Name}' {refusal}");
                return;
            }
            try { outcomes[i] = new Outcome(job, await ContentHasher.HashFileAsync(job.FullPath, job.Algorithm, token), null); }
            catch (UnauthorizedAccessException) { outcomes[i] = new Outcome(job, null, $"permission denied reading '{job.Name}'"); }
            catch (FileNotFoundException) { outcomes[i] = new Outcome(job, null, $"'{job.Name}' is missing (removed while hashing)"); }
            catch (IOException e) { outcomes[i] = new Outcome(job, null, $"cannot read '{job.Name}': {e.Message}"); }
        });
        return outcomes;
    }
}
