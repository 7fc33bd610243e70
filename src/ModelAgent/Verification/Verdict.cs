namespace ModelAgent.Verification;

/// <summary>
/// The answer to "is this directory a complete model?", with every reason it is not, worded for a person.
/// The transfer engine, the daemon and <c>model-agent verify</c> all act on this one type.
/// </summary>
internal sealed record Verdict
{
    public required bool Complete { get; init; }

    /// <summary>One of <see cref="Layouts"/>: "record" when the completion record decided, else the layout found.</summary>
    public required string Layout { get; init; }

    /// <summary>Every reason the model is incomplete; empty when complete.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>Observations that do not make the model incomplete (files deliberately not checked, and why).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The files the verdict relies on, relative to the model directory.</summary>
    public IReadOnlyList<string> FilesChecked { get; init; } = [];

    /// <summary>True when the completion record decided (fast path, or --deep against its digests).</summary>
    public bool FromRecord { get; init; }

    /// <summary>True when the record that decided says the directory was adopted rather than downloaded.</summary>
    public bool RecordAdopted { get; init; }

    /// <summary>The layout the record names, when <see cref="FromRecord"/>.</summary>
    public string? RecordedLayout { get; init; }

    /// <summary>False when the path is not an existing directory: there was nothing to judge.</summary>
    public bool DirectoryFound { get; init; } = true;

    /// <summary>True when the files' content was re-hashed against the record's digests.</summary>
    public bool Deep { get; init; }

    /// <summary>Bytes read and hashed by the deep check.</summary>
    public long BytesHashed { get; init; }

    /// <summary>Files whose content was re-hashed by the deep check.</summary>
    public int FilesHashed { get; init; }

    /// <summary>
    /// Every declaration checked (each shard index, model_index.json, GGUF split set, weight file, or the completion
    /// record), and which failed. <see cref="Layout"/> names the primary one.
    /// </summary>
    public IReadOnlyList<DeclarationCheck> Declarations { get; init; } = [];

    /// <summary>The --include/--exclude selection the deciding record was pulled with; null when it holds every file.</summary>
    public RecordSelection? Selection { get; init; }

    /// <summary>The source the deciding record names (a storage URI, or the directory for an adopted model).</summary>
    public string? RecordSource { get; init; }

    /// <summary>Files the deep check found with content other than their recorded digest (same size).</summary>
    public IReadOnlyList<string> ContentMismatches { get; init; } = [];

    /// <summary>
    /// True when the directory itself could not be read (permission denied, an I/O error): nothing was judged,
    /// which is not the same answer as "incomplete".
    /// </summary>
    public bool Unreadable { get; init; }

    /// <summary>Complete by the layout rules and not yet recorded: a record with adopted=true may be written.</summary>
    public bool Adoptable => Complete && !FromRecord;
}
