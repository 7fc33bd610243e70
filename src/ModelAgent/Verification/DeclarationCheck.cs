namespace ModelAgent.Verification;

/// <summary>
/// One declaration of what a directory must hold, and whether it holds: a shard index (its shards), a
/// model_index.json (its components), a GGUF split name (its parts), a weight file (itself), or the completion
/// record (its files). A directory is complete only when every declaration found in it holds.
/// </summary>
/// <param name="Layout">One of <see cref="Layouts"/>.</param>
/// <param name="DeclaredBy">The file that declares it, relative to the model directory.</param>
/// <param name="Reasons">Every reason it does not hold; empty when it does.</param>
internal sealed record DeclarationCheck(string Layout, string DeclaredBy, IReadOnlyList<string> Reasons)
{
    public bool Complete => Reasons.Count == 0;
}
