namespace ModelAgent.Verification;

/// <summary>
/// What one inspection found so far: the reasons the model is incomplete, remarks that do not make it incomplete,
/// and the files the verdict relies on (paths relative to the model directory, '/'-separated).
/// </summary>
internal sealed class Findings
{
    private readonly List<string> _reasons = [];
    private readonly List<string> _notes = [];
    private readonly SortedSet<string> _filesChecked = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Reasons => _reasons;
    public IReadOnlyList<string> Notes => _notes;
    public IReadOnlyCollection<string> FilesChecked => _filesChecked;
    public int ReasonCount => _reasons.Count;

    public void Reason(string reason) => _reasons.Add(reason);
    public void Note(string note) => _notes.Add(note);
    public void Checked(string relativePath) => _filesChecked.Add(relativePath);
}
