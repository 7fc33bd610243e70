namespace ModelAgent.Verification;

/// <summary>
/// What one inspection found so far: the reasons the model is incomplete, remarks that do not make it incomplete,
/// the files the verdict relies on (paths relative to the model directory, '/'-separated), and each declaration
/// checked. A reason found while declarations are open counts against each of them (a shard missing from a
/// component's index fails that index and the model_index.json that named the component).
/// </summary>
internal sealed class Findings
{
    private readonly List<string> _reasons = [];
    private readonly List<string> _notes = [];
    private readonly SortedSet<string> _filesChecked = new(StringComparer.Ordinal);
    private readonly List<(string Layout, string DeclaredBy, List<string> Reasons)> _declarations = [];
    private readonly List<int> _open = [];

    public IReadOnlyList<string> Reasons => _reasons;
    public IReadOnlyList<string> Notes => _notes;
    public IReadOnlyCollection<string> FilesChecked => _filesChecked;
    public int ReasonCount => _reasons.Count;

    public IReadOnlyList<DeclarationCheck> Declarations =>
        [.. _declarations.Select(d => new DeclarationCheck(d.Layout, d.DeclaredBy, [.. d.Reasons]))];

    public void Reason(string reason)
    {
        _reasons.Add(reason);
        foreach (var open in _open) _declarations[open].Reasons.Add(reason);
    }

    public void Note(string note) => _notes.Add(note);
    public void Checked(string relativePath) => _filesChecked.Add(relativePath);

    /// <summary>Opens a declaration: reasons count against it until the returned scope is disposed.</summary>
    public DeclarationScope Declaration(string layout, string declaredBy)
    {
        _declarations.Add((layout, declaredBy, []));
        _open.Add(_declarations.Count - 1);
        return new DeclarationScope(this);
    }

    private void Close() => _open.RemoveAt(_open.Count - 1);

    public readonly struct DeclarationScope(Findings findings) : IDisposable
    {
        public void Dispose() => findings.Close();
    }
}
