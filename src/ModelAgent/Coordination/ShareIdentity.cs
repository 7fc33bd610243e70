using ModelAgent.Storage;

namespace ModelAgent.Coordination;

/// <summary>
/// Names the share a models root lives on, so that nodes coordinate only with nodes that see the same files:
/// the first agent creates <c>{root}/.model-agent-share-id</c> with a random id (written to a temp file, then
/// hard-linked into place, so no reader ever sees it half written); everyone else reads it. Two
/// clusters, or two shares mounted at the same path, get different ids and never wait on each other.
/// </summary>
/// <remarks>
/// The models root is the operator's choice and opened as given; the identity file and its temp file are created,
/// linked, read and removed relative to that open folder and never through a link (see <see cref="StateDirectory"/>):
/// a link planted under the identity file's name is refused.
/// </remarks>
internal static class ShareIdentity
{
    public const string FileName = ".model-agent-share-id";

    public static string GetOrCreate(string modelsRoot)
    {
        using var root = StateDirectory.Open(modelsRoot, [], create: true)!;
        var existing = TryRead(root);
        if (existing is not null) return existing;

        var candidate = Guid.NewGuid().ToString("N");
        var temp = $"{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(root.CreateNew(temp), FileAccess.Write))
                stream.Write(System.Text.Encoding.UTF8.GetBytes(candidate + "\n"));
            if (root.TryLink(temp, FileName))
            {
                root.Flush();
                return candidate;
            }
            return TryRead(root) ?? throw new IOException(
                $"share identity file '{root.Describe(FileName)}' exists but holds no id; delete it so the agents can create a new one");
        }
        finally
        {
            root.Delete(temp);
        }
    }

    private static string? TryRead(StateDirectory root)
    {
        if (root.ReadAll(FileName) is not { } bytes) return null;
        var text = System.Text.Encoding.UTF8.GetString(bytes).Trim();
        return text.Length == 0 ? null : text;
    }
}
