namespace ModelAgent.Storage;

/// <summary>
/// Something other than what model-agent puts there sits where its own state lives (<c>.model-agent/</c>, its
/// folders, the record, locks, leases, partial files, the share identity file): a symlink, or a file of another kind.
/// Following it would let whoever can write the share make a pull running as root write, read or delete elsewhere, so
/// the pull stops and names it. The CLI reports it as kind <see cref="Kind"/>, exit code 2 (bad local state).
/// </summary>
internal sealed class UnsafeStateException(string path, string message) : Exception(message)
{
    public const string Kind = "unsafe-state";

    /// <summary>The path of the offending entry.</summary>
    public string Path { get; } = path;
}
