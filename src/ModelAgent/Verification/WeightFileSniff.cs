using System.Text;

namespace ModelAgent.Verification;

/// <summary>
/// Cheap first-bytes checks for weight formats without a structural check: a Git LFS pointer saved under a weight
/// name (a clone without git-lfs), and the GGUF magic.
/// </summary>
internal static class WeightFileSniff
{
    public const string LfsPointerProblem = "is a Git LFS pointer file, not the weights (fetch them with 'git lfs pull' or download again)";

    private static readonly byte[] LfsPrefix = Encoding.ASCII.GetBytes("version https://git-lfs");
    private static readonly byte[] GgufMagic = Encoding.ASCII.GetBytes("GGUF");

    public static bool IsLfsPointer(ReadOnlySpan<byte> head) =>
        head.Length >= 8
            && LfsPrefix.AsSpan(0, Math.Min(head.Length, LfsPrefix.Length)).SequenceEqual(head[..Math.Min(head.Length, LfsPrefix.Length)]);

    /// <summary>A problem worded to follow the file's name, or null when the first bytes look right.</summary>
    public static string? Check(ReadOnlySpan<byte> head, long fileSize, bool gguf)
    {
        if (fileSize == 0) return "is empty (0 bytes)";
        if (IsLfsPointer(head)) return LfsPointerProblem;
        if (gguf && (head.Length < 4 || !head[..4].SequenceEqual(GgufMagic)))
            return "does not start with the GGUF magic bytes 'GGUF': not a GGUF file, or overwritten";
        return null;
    }
}
