using System.Text.RegularExpressions;
using ModelAgent.Storage;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// A Hugging Face model repository and the revision asked for: a branch, a tag, "refs/pr/1", or a 40-hex commit
/// (the immutable form, which needs no resolve call). Built from a parsed <see cref="HuggingFaceUri"/>.
/// </summary>
internal sealed partial record HfModelReference(string RepoId, string Revision)
{
    public static HfModelReference From(HuggingFaceUri uri) => new(uri.RepoId, uri.Revision);

    public bool RevisionIsCommit => CommitSha().IsMatch(Revision);

    /// <summary>Canonical form (revision always spelled out), as recorded in the completion record.</summary>
    public override string ToString() => $"hf://{RepoId}@{Revision}";

    [GeneratedRegex("^[0-9a-f]{40}$")]
    internal static partial Regex CommitSha();
}
