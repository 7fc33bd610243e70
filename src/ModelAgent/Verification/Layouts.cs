namespace ModelAgent.Verification;

/// <summary>The layout names a <see cref="Verdict"/> reports; scripts read them from <c>verify --json</c>.</summary>
internal static class Layouts
{
    /// <summary>Checked against the completion record.</summary>
    public const string Record = "record";
    public const string Sharded = "sharded";
    public const string Diffusers = "diffusers";
    public const string SingleFile = "single-file";
    public const string Gguf = "gguf";
    /// <summary>No model layout recognised (or no directory).</summary>
    public const string None = "none";
}
