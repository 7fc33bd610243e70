using System.Globalization;
using System.Text.Json;
using ModelAgent.Platform;

namespace ModelAgent.Coordination;

/// <summary>
/// Leases as files on the share itself, for nodes without an API server (Slurm/HPC on GPFS, Lustre, NFS).
/// Each version of a lease is its own file, <c>{key}.{version:D12}.json</c>, created complete (temp file, then
/// link(2), which fails if the name exists — atomic on every POSIX and NFS filesystem). Writing version N+1 is
/// the compare-and-swap: of many nodes that read version N, exactly one creates N+1; the rest learn they lost.
/// Older versions are deleted after a successful write. No flock/fcntl locks anywhere: on GPFS and Lustre they
/// can be node-local and silently succeed for everyone.
/// </summary>
internal sealed class FileLeaseStore(string directory) : ILeaseStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Directory { get; } = directory;

    public string Describe(string key) => $"lease file {Path.Combine(Directory, key)}.*.json";

    public Task<VersionedLease?> GetAsync(string key, CancellationToken cancellationToken)
    {
        // The newest version can be deleted between listing and reading when its holder writes the next one: look again.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var newest = Versions(key).DefaultIfEmpty(-1).Max();
            if (newest < 0) return Task.FromResult<VersionedLease?>(null);
            try
            {
                var record = JsonSerializer.Deserialize<LeaseRecord>(File.ReadAllBytes(PathOf(key, newest)), Json)
                    ?? throw new LeaseBackendUnavailableException($"lease file {PathOf(key, newest)} is empty");
                return Task.FromResult<VersionedLease?>(new VersionedLease(record, newest.ToString(CultureInfo.InvariantCulture)));
            }
            catch (FileNotFoundException) { }
            catch (JsonException e) { throw new LeaseBackendUnavailableException($"lease file {PathOf(key, newest)} is not valid JSON ({e.Message}); delete it to reset the lease", e); }
        }
        throw new LeaseBackendUnavailableException($"lease {key} in {Directory} changed on every read; the share may be misbehaving");
    }

    public Task<VersionedLease?> TryCreateAsync(string key, LeaseRecord record, CancellationToken cancellationToken) =>
        Task.FromResult(Write(key, 1, record));

    public Task<VersionedLease?> TryUpdateAsync(string key, VersionedLease current, LeaseRecord next, CancellationToken cancellationToken) =>
        Task.FromResult(Write(key, long.Parse(current.Version, CultureInfo.InvariantCulture) + 1, next));

    private VersionedLease? Write(string key, long version, LeaseRecord record)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var temp = Path.Combine(Directory, $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(stream, record, Json);
                stream.Flush(flushToDisk: true);
            }
            bool won;
            try { won = ExclusiveLink.TryCreate(temp, PathOf(key, version)); }
            finally { File.Delete(temp); }
            if (!won) return null;
            foreach (var old in Versions(key).Where(v => v < version))
                File.Delete(PathOf(key, old));
            return new VersionedLease(record, version.ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException e) { throw new LeaseBackendUnavailableException($"cannot write lease file in {Directory}: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new LeaseBackendUnavailableException($"permission denied writing lease files in {Directory}", e); }
    }

    private string PathOf(string key, long version) => Path.Combine(Directory, $"{key}.{version:D12}.json");

    private IEnumerable<long> Versions(string key)
    {
        if (!System.IO.Directory.Exists(Directory)) yield break;
        var prefix = key + ".";
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, key + ".*.json"))
        {
            var name = Path.GetFileName(path);
            var middle = name[prefix.Length..^".json".Length];
            if (middle.Length == 12 && long.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) yield return v;
        }
    }
}
