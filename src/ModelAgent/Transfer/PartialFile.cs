using System.Security.Cryptography;
using System.Text;
using ModelAgent.Completion;
using ModelAgent.Sources;

namespace ModelAgent.Transfer;

/// <summary>
/// Where a file lives while it is incomplete: <c>&lt;dest&gt;/.model-agent/partial/&lt;key&gt;.part</c> and its
/// journal <c>&lt;key&gt;.journal</c>, on the destination's filesystem so the final rename is atomic. The key is
/// a hash of the path: remote names never become partial-file names, and nested paths need no directories.
/// </summary>
internal sealed record PartialFile(string DataPath, string JournalPath)
{
    public const string DirectoryName = "partial";

    public static string DirectoryFor(string destination) =>
        Path.Combine(destination, CompletionRecordStore.DirectoryName, DirectoryName);

    public static PartialFile For(string destination, SnapshotFile file)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.Path.Value)))[..32];
        var dir = DirectoryFor(destination);
        return new PartialFile(Path.Combine(dir, key + ".part"), Path.Combine(dir, key + ".journal"));
    }

    public void Delete()
    {
        File.Delete(DataPath);
        File.Delete(JournalPath);
    }
}
