namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// How much JSON one pull accepts from an origin. The origin is not trusted: without these a listing of 1 GB took
/// the process to 14 GB and one 1 GB string value ended in OutOfMemoryException. Each limit is far above what the
/// Hub sends, so only a broken or hostile origin reaches one, and reaching one is an error, never a truncation.
/// </summary>
internal sealed record JsonAnswerLimits
{
    public const long MiB = 1024 * 1024;

    /// <summary>
    /// Bytes of one JSON answer (a revision answer, one tree page). The Hub's tree pages hold 1,000 entries of about
    /// 200 bytes (~200 KB), its revision answers a few KB even with siblings listed: 16 MiB is 80 times a full page.
    /// It also bounds every string inside the answer, so no single value can be larger.
    /// </summary>
    public long MaxAnswerBytes { get; init; } = 16 * MiB;

    /// <summary>
    /// Bytes of all pages of one tree listing together: about 550,000 entries of ~230 bytes (with the LFS part), where
    /// the largest model repositories list tens of thousands. The listing is kept in memory until it is validated, and
    /// its strings take up to twice their JSON size there: 128 MiB keeps that near 300 MB whatever the origin sends.
    /// </summary>
    public long MaxListingBytes { get; init; } = 128 * MiB;

    /// <summary>
    /// Entries (files and directories) of one tree listing, counted as they are read: an array of empty objects would
    /// otherwise pack millions of entries (tens of bytes of memory each) into a page's few bytes each.
    /// </summary>
    public int MaxListingEntries { get; init; } = 1_000_000;

    public static readonly JsonAnswerLimits Default = new();
}
