using System.Security.Cryptography;
using ModelAgent.Completion;
using ModelAgent.Platform;
using ModelAgent.Transfer;

namespace ModelAgent.Storage;

/// <summary>
/// Whether a model directory can take a pull, checked on our disk before the origin is asked anything: it is a
/// directory or can be created (no file in the way), and this user can create our state directory and a file in it
/// there (really tried: permission bits, ACLs, read-only mounts, a full disk and SELinux all answer the same way).
/// A refused destination is left as it was (what the check created is removed again); an accepted one keeps the
/// directories, which the pull needs next: removing them would race with another pull into the same folder that
/// has just found them and is writing its own probe there.
/// </summary>
internal static class DestinationCheck
{
    public static DestinationProblem? Check(string destination)
    {
        destination = Path.GetFullPath(destination);
        if (File.Exists(destination))
            return new("not-a-directory",
                $"--dest {destination} is a file, not a directory; choose a directory (it is created if missing)");
        var existing = NearestExisting(destination);
        if (existing is not null && existing != destination && !Directory.Exists(existing))
            return new("not-a-directory", $"--dest {destination} cannot be created: {existing} is a file; choose another --dest");

        var created = new List<string>();
        for (var dir = destination; dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)) created.Add(dir);
        var state = Path.Combine(destination, CompletionRecordStore.DirectoryName);
        if (!Directory.Exists(state)) created.Insert(0, state);
        var probe = $"probe-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        // Our state folder is reached without following links: a link planted as .model-agent is refused here, before
        // the origin is asked anything, and the probe is never written through it.
        StateDirectory? held = null;
        DestinationProblem? problem;
        try
        {
            problem = Try(() => held = CompletionRecordStore.OpenDirectory(destination, create: true), destination, existing ?? "/")
                ?? Try(() => WriteProbe(held!, probe), destination, state);
        }
        catch (UnsafeStateException e) { problem = new(UnsafeStateException.Kind, e.Message); }
        finally { held?.Dispose(); }
        if (problem is not null) RemoveEmpty(created);
        return problem;
    }

    private static void WriteProbe(StateDirectory dir, string name)
    {
        try
        {
            // One byte, not an empty file: a full filesystem still creates the inode but refuses the data.
            using var probe = dir.CreateNew(name);
            RandomAccess.Write(probe, [0], 0);
        }
        finally { dir.Delete(name); }
    }

    private static DestinationProblem? Try(Action write, string destination, string where)
    {
        try
        {
            write();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var failure = LocalStorageFailures.FromErrno(Errno.Of(e));
            var user = Environment.UserName;
            var message = failure switch
            {
                LocalStorageFailure.AccessDenied =>
                    $"--dest {destination} is not writable by user {user} (permission denied in {where}); "
                    + $"give {user} write access there or choose another --dest",
                LocalStorageFailure.ReadOnly =>
                    $"--dest {destination} is on a read-only filesystem; remount it read-write or choose another --dest",
                LocalStorageFailure.NoSpace =>
                    $"no space left on {destination}: not even a one-byte file fits; free space there or choose another --dest",
                LocalStorageFailure.QuotaExceeded =>
                    $"disk quota exceeded on {destination}: not even a one-byte file fits; raise the quota or choose another --dest",
                _ => $"--dest {destination} cannot be written ({e.Message}); check the device or choose another --dest",
            };
            return new(failure.KindName(), message);
        }
    }

    /// <summary>The path itself or its nearest ancestor that exists (file or directory); null when none does.</summary>
    public static string? NearestExisting(string path)
    {
        for (var dir = path; dir is not null; dir = Path.GetDirectoryName(dir))
            if (Path.Exists(dir)) return dir;
        return null;
    }

    /// <summary>Removes the directories the probe created, deepest first, as long as they are empty.</summary>
    private static void RemoveEmpty(List<string> created)
    {
        foreach (var dir in created)
        {
            if (!Directory.Exists(dir)) continue;
            try { Directory.Delete(dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        }
    }
}
