using System.Globalization;
using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Storage;

namespace ModelAgent.Coordination;

/// <summary>
/// Leases as files on the share itself, for nodes without an API server (Slurm/HPC on GPFS, Lustre, NFS).
/// Each version of a lease is its own file, <c>{key}.{version:D12}.json</c>, created complete (temp file, then
/// link(2), which fails if the name exists — atomic on every POSIX and NFS filesystem). Writing version N+1 is
/// the compare-and-swap: of many nodes that read version N, exactly one creates N+1; the rest learn they lost.
/// Older versions are deleted after a successful write. No flock/fcntl locks anywhere: on GPFS and Lustre they
/// can be node-local and silently succeed for everyone.
/// </summary>
/// <remarks>
/// The lease folder is reached without following links (<see cref="StateDirectory"/>): only the folder the store was
/// given (the models root, or <c>--dest</c> for node-local leases) is opened as given; <c>.model-agent/leases</c> below
/// it is ours, and a link there is refused.
/// </remarks>
internal sealed class FileLeaseStore : ILeaseStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string _trusted;
    private readonly string[] _own;

    /// <summary>Lease files directly in <paramref name="directory"/>, a folder the operator chose.</summary>
    public FileLeaseStore(string directory) : this(directory, []) { }

    private FileLeaseStore(string trusted, string[] own)
    {
        _trusted = trusted;
        _own = own;
        Directory = Path.Combine([trusted, .. own]);
    }

    /// <summary>Lease files in <c>{root}/.model-agent/leases</c>, folders of ours below the folder the operator chose.</summary>
    public static FileLeaseStore InStateOf(string root) => new(root, [CompletionRecordStore.DirectoryName, "leases"]);

    public string Directory { get; }

    public string Describe(string key) => $"lease file {Path.Combine(Directory, key)}.*.json";

    public Task<VersionedLease?> GetAsync(string key, CancellationToken cancellationToken)
    {
        // The newest version can be deleted between listing and reading when its holder writes the next one: look again.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var dir = StateDirectory.Open(_trusted, _own, create: false);
            if (dir is null) return Task.FromResult<VersionedLease?>(null);
            var newest = Versions(dir, key).DefaultIfEmpty(-1).Max();
            if (newest < 0) return Task.FromResult<VersionedLease?>(null);
            try
            {
                var bytes = dir.ReadAll(NameOf(key, newest)) ?? throw new FileNotFoundException();
                var record = JsonSerializer.Deserialize<LeaseRecord>(bytes, Json)
                    ?? throw new LeaseBackendUnavailableException($"lease file {PathOf(key, newest)} is empty");
                return Task.FromResult<VersionedLease?>(new VersionedLease(record, newest.ToString(CultureInfo.InvariantCulture)));
            }
            catch (FileNotFoundException) { }
            catch (JsonException e)
            {
                throw new LeaseBackendUnavailableException($"lease file {PathOf(key, newest)} is not valid JSON ({e.Message}); delete " +
            $"it to reset the lease", e);
            }
        }
        throw new LeaseBackendUnavailableException($"lease {key} in {Directory} changed on every read; the share may be misbehaving");
    }

    public Task<VersionedLease?> TryCreateAsync(string key, LeaseRecord record, CancellationToken cancellationToken) =>
        Task.FromResult(Write(key, 1, record));

    public Task<VersionedLease?> TryUpdateAsync(string key, VersionedLease current, LeaseRecord next, CancellationToken cancellationToken)
        =>
        Task.FromResult(Write(key, long.Parse(current.Version, CultureInfo.InvariantCulture) + 1, next));

    private VersionedLease? Write(string key, long version, LeaseRecord record)
    {
        try
        {
            using var dir = StateDirectory.Open(_trusted, _own, create: true)!;
            var temp = $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            bool won;
            try
            {
                using (var stream = new FileStream(dir.CreateNew(temp), FileAccess.Write))
                {
                    JsonSerializer.Serialize(stream, record, Json);
                    stream.Flush(flushToDisk: true);
                }
                won = dir.TryLink(temp, NameOf(key, version));
            }
            finally { dir.Delete(temp); }
            if (!won) return null;
            foreach (var old in Versions(dir, key).Where(v => v < version))
                dir.DeleteRegularFile(NameOf(key, old));
            return new VersionedLease(record, version.ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException e) { throw new LeaseBackendUnavailableException($"cannot write lease file in {Directory}: {e.Message}", e); }
        catch (UnauthorizedAccessException e)
        { throw new LeaseBackendUnavailableException($"permission denied writing lease files in {Directory}", e); }
    }

    private string PathOf(string key, long version) => Path.Combine(Directory, NameOf(key, version));

    private static string NameOf(string key, long version) => $"{key}.{version:D12}.json";

    private static IEnumerable<long> Versions(StateDirectory dir, string key)
    {
        var prefix = key + ".";
        foreach (var name in dir.List())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".json", StringComparison.Ordinal)
                || name.Length < prefix.Length + ".json".Length) continue;
            var middle = name[prefix.Length..^".json".Length];
            if (middle.Length == 12 && long.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) yield return v;
        }
    }
}
