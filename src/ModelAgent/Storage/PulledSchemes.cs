namespace ModelAgent.Storage;

/// <summary>
/// The storage URI schemes <c>pull</c> and the agent handle, in the one place every "what is supported" message reads
/// them from: a new source adds its scheme here and each message follows.
/// </summary>
internal static class PulledSchemes
{
    public static IReadOnlyList<string> All { get; } = ["hf", "s3", "oci", "local"];

    /// <summary>"hf://, s3://, oci:// and local://": the list as a sentence.</summary>
    public static string Listed
    {
        get
        {
            var uris = All.Select(s => $"{s}://").ToList();
            return uris.Count == 1 ? uris[0] : $"{string.Join(", ", uris.SkipLast(1))} and {uris[^1]}";
        }
    }
}
