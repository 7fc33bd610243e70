using Microsoft.Extensions.Logging;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// Tells whether anything under one repo directory may have changed since a given <see cref="Generation"/>: an
/// inotify watch (<see cref="FileSystemWatcher"/>) over the whole tree bumps the generation on every event. When the
/// watch cannot be set up (inotify limits) or reports an error (lost events), <see cref="Reliable"/> is false and the
/// caller walks the folder on every request, as if there were no cache.
/// </summary>
internal sealed class ListingWatch : IDisposable
{
    private readonly FileSystemWatcher? _watcher;
    private long _generation;
    private volatile bool _broken;

    private ListingWatch(string directory, DateTime created, FileSystemWatcher? watcher)
    {
        (Directory, Created, _watcher) = (directory, created, watcher);
        _broken = watcher is null;
    }

    public string Directory { get; }

    /// <summary>The directory's birth time: a repo folder deleted and made again is another folder, unwatched.</summary>
    public DateTime Created { get; }

    public long Generation => Interlocked.Read(ref _generation);
    public bool Reliable => !_broken;

    public static ListingWatch Start(string directory, ILogger logger)
    {
        var created = System.IO.Directory.GetCreationTimeUtc(directory);
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.LastWrite |
                               NotifyFilters.Attributes | NotifyFilters.CreationTime | NotifyFilters.Security,
                InternalBufferSize = 64 << 10,
            };
            var watch = new ListingWatch(directory, created, watcher);
            watcher.Created += (_, _) => watch.Bump();
            watcher.Deleted += (_, _) => watch.Bump();
            watcher.Changed += (_, _) => watch.Bump();
            watcher.Renamed += (_, _) => watch.Bump();
            watcher.Error += (_, e) =>
            {
                watch._broken = true;
                watch.Bump();
                logger.LogWarning("Watching {Directory} failed ({Reason}); its listing is read again on every request",
                    directory, e.GetException().Message);
            };
            watcher.EnableRaisingEvents = true;
            return watch;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
        {
            watcher?.Dispose();
            logger.LogWarning("Cannot watch {Directory} ({Reason}); its listing is read again on every request", directory, ex.Message);
            return new ListingWatch(directory, created, null);
        }
    }

    /// <summary>From now on the caller walks on every request (a linked folder elsewhere cannot be watched).</summary>
    public void Distrust() => _broken = true;

    private void Bump() => Interlocked.Increment(ref _generation);

    public void Dispose() => _watcher?.Dispose();
}
