using System.Runtime.InteropServices;

namespace ModelAgent.Hub.Repository;

/// <summary>
/// One inotify instance over the directories of every served repo, read without blocking at each request: the
/// kernel queues an event before the write, rename or delete that caused it returns, so draining the queue first
/// means a change made before a request started is always seen by it (a FileSystemWatcher delivers on its own
/// thread, later). <see cref="GenerationOf"/> moves whenever something under a repo changed; a lost-events overflow
/// moves every repo's. Without inotify (or past its watch limit) <see cref="Add"/> says so and the caller walks the
/// repo on every request.
/// </summary>
internal sealed class FolderWatch : IDisposable
{
    private const int InNonBlock = 0x800, InCloexec = 0x80000;
    private const uint InModify = 0x2, InAttrib = 0x4, InCloseWrite = 0x8, InMovedFrom = 0x40, InMovedTo = 0x80,
        InCreate = 0x100, InDelete = 0x200, InDeleteSelf = 0x400, InMoveSelf = 0x800, InOnlyDir = 0x01000000;
    private const uint InQueueOverflow = 0x4000, InIgnored = 0x8000;
    private const uint Mask = InModify | InAttrib | InCloseWrite | InMovedFrom | InMovedTo | InCreate | InDelete |
                              InDeleteSelf | InMoveSelf | InOnlyDir;
    private const int EventHeaderBytes = 16;
    private const int Eagain = 11;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, string> _owners = [];
    private readonly Dictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private readonly byte[] _buffer = new byte[64 << 10];
    private int _fd;
    private long _tick;
    private long _overflowAt;

    public FolderWatch() => _fd = InotifyInit1(InNonBlock | InCloexec);

    /// <summary>Watches <paramref name="directory"/> for changes that count against <paramref name="repo"/>.</summary>
    public bool Add(string repo, string directory)
    {
        lock (_lock)
        {
            if (_fd < 0) return false;
            var wd = InotifyAddWatch(_fd, directory, Mask);
            if (wd < 0) return false;
            _owners[wd] = repo;
            return true;
        }
    }

    /// <summary>A number that differs from any earlier one when something under <paramref name="repo"/> changed.</summary>
    public long GenerationOf(string repo)
    {
        lock (_lock)
        {
            Drain();
            return Math.Max(_changedAt.GetValueOrDefault(repo), _overflowAt);
        }
    }

    private void Drain()
    {
        if (_fd < 0) return;
        while (true)
        {
            var read = Read(_fd, _buffer, _buffer.Length);
            if (read <= 0)
            {
                if (read < 0 && Marshal.GetLastWin32Error() != Eagain) _overflowAt = ++_tick; // cannot tell: assume all changed
                return;
            }
            for (var offset = 0; offset + EventHeaderBytes <= read;)
            {
                var wd = BitConverter.ToInt32(_buffer, offset);
                var mask = BitConverter.ToUInt32(_buffer, offset + 4);
                var nameLength = BitConverter.ToInt32(_buffer, offset + 12);
                offset += EventHeaderBytes + nameLength;
                if ((mask & InQueueOverflow) != 0)
                {
                    _overflowAt = ++_tick;
                    continue;
                }
                if (!_owners.TryGetValue(wd, out var repo)) continue;
                _changedAt[repo] = ++_tick;
                if ((mask & InIgnored) != 0) _owners.Remove(wd); // the directory is gone; a new one gets a new watch
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_fd >= 0) Close(_fd);
            _fd = -1;
        }
    }

    [DllImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static extern int InotifyInit1(int flags);

    [DllImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
    private static extern int InotifyAddWatch(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mask);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
