namespace ModelAgent.Storage;

/// <summary>What a name inside a model directory turned out to be.</summary>
internal enum EntryKind
{
    Missing,
    File,
    Directory,
}

/// <summary>
/// One untrusted name (as given, '/'-separated) looked up inside a model directory. <see cref="Problem"/> is set when the name must not be
/// used at all (it leads outside the directory, or permission was denied, or the lookup failed); then
/// <see cref="Kind"/> and <see cref="Size"/> mean nothing. <see cref="Size"/> is the size of the file itself,
/// through a symlink that stays inside the directory.
/// </summary>
internal sealed record ModelEntry(string Name, string FullPath, EntryKind Kind, long Size, string? Problem)
{
    public bool IsFile => Problem is null && Kind == EntryKind.File;
    public bool IsDirectory => Problem is null && Kind == EntryKind.Directory;
    public bool IsMissing => Problem is null && Kind == EntryKind.Missing;
}
