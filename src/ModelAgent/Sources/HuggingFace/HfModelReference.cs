using System.Text.RegularExpressions;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// <c>hf://org/name[@revision]</c>: a Hugging Face model repository and the revision asked for (default "main").
/// The revision may be a branch, a tag, "refs/pr/1", or a 40-hex commit (the immutable form, no resolve call).
/// </summary>
internal sealed partial record HfModelReference(string RepoId, string Revision)
{
    public const string Scheme = "hf://";
    public const string DefaultRevision = "main";

    public bool RevisionIsCommit => CommitSha().IsMatch(Revision);

    /// <summary>The URI in canonical form, as recorded in the completion record.</summary>
    public override string ToString() => $"{Scheme}{RepoId}@{Revision}";

    public static bool TryParse(string? uri, out HfModelReference? reference, out string? problem)
    {
        reference = null;
        problem = null;
        if (uri is null || !uri.StartsWith(Scheme, StringComparison.Ordinal))
        {
            problem = $"'{uri}' is not an hf:// URI (expected hf://org/name or hf://org/name@revision)";
            return false;
        }
        var rest = uri[Scheme.Length..];
        var at = rest.IndexOf('@');
        var repo = at < 0 ? rest : rest[..at];
        var revision = at < 0 ? DefaultRevision : rest[(at + 1)..];
        if (!RepoIdPattern().IsMatch(repo) || repo.Contains("..") || repo.Contains("--"))
        {
            problem = $"'{uri}': '{repo}' is not a valid repository id (expected org/name with letters, digits, '-', '_', '.')";
            return false;
        }
        if (revision.Length == 0 || revision.Length > 256 || revision.Contains("..") || revision.StartsWith('/') || revision.EndsWith('/') ||
            revision.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\'))
        {
            problem = $"'{uri}': '{revision}' is not a valid revision (a branch, tag, refs/pr/N, or a 40-hex commit)";
            return false;
        }
        reference = new HfModelReference(repo, revision);
        return true;
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    internal static partial Regex CommitSha();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")]
    private static partial Regex RepoIdPattern();
}
