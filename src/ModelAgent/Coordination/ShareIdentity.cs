using ModelAgent.Platform;

namespace ModelAgent.Coordination;

/// <summary>
/// Names the share a models root lives on, so that nodes coordinate only with nodes that see the same files:
/// the first agent creates <c>{root}/.model-agent-share-id</c> with a random id (written to a temp file, then
/// hard-linked into place, so no reader ever sees it half written); everyone else reads it. Two
/// clusters, or two shares mounted at the same path, get different ids and never wait on each other.
/// </summary>
internal static class ShareIdentity
{
    public const string FileName = ".model-agent-share-id";

    public static string GetOrCreate(string modelsRoot)
    {
        Directory.CreateDirectory(modelsRoot);
        var path = Path.Combine(modelsRoot, FileName);
        var existing = TryRead(path);
        if (existing is not null) return existing;

        var candidate = Guid.NewGuid().ToString("N");
        var temp = Path.Combine(modelsRoot, $"{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, candidate + "\n");
        try
        {
            if (ExclusiveLink.TryCreate(temp, path))
            {
                Fsync.Directory(modelsRoot);
                return candidate;
            }
            return TryRead(path) ?? throw new IOException($"share identity file '{path}' exists but holds no id; delete it so the agents can create a new one");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static string? TryRead(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (FileNotFoundException) { return null; }
    }
}
