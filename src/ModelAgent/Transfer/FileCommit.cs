using ModelAgent.Platform;

namespace ModelAgent.Transfer;

/// <summary>
/// docs/design.md section 2's commit for one verified file: flush its bytes, rename the partial file over the final
/// path (same filesystem: atomic), flush the directories, drop the journal. Before this the final path holds
/// either nothing or an older file, never a partial one.
/// </summary>
internal static class FileCommit
{
    public static void Commit(FileDownload download, string destination, string finalPath)
    {
        RandomAccess.FlushToDisk(download.Handle);
        download.Dispose();
        var parent = Path.GetDirectoryName(finalPath)!;
        Directory.CreateDirectory(parent);
        // From the partial folder we hold, never through its path: a link planted there cannot redirect the source.
        download.PartialFolder.MoveOut(download.Partial.DataName, finalPath);
        // The new name, and any directory created for it, must survive a power cut before the record does.
        var root = Path.GetFullPath(destination).TrimEnd('/');
        for (var dir = Path.GetFullPath(parent); ; dir = Path.GetDirectoryName(dir)!)
        {
            Fsync.Directory(dir);
            if (dir.Length <= root.Length) break;
        }
        download.PartialFolder.Delete(download.Partial.JournalName);
    }
}
