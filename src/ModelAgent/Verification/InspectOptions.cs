namespace ModelAgent.Verification;

/// <summary>How thoroughly <see cref="CompletenessCheck"/> looks.</summary>
internal sealed record InspectOptions
{
    public static readonly InspectOptions Fast = new();

    /// <summary>Re-hash every file the completion record lists against its digest (reads every byte).</summary>
    public bool Deep { get; init; }

    /// <summary>How many files are hashed at once in deep mode; all cores by default.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}
