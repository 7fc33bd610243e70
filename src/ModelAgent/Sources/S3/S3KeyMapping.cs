using ModelAgent.Storage;

namespace ModelAgent.Sources.S3;

/// <summary>
/// Object keys under a prefix to paths inside the model directory. The model is the prefix taken as a folder: "p" and
/// "p/" both mean the objects under "p/". A key's remainder goes through <see cref="ModelRelativePath.TryCreate"/> and
/// <see cref="ModelRelativePath.ReservedProblem"/> like a Hub path, so a key with "..", a leading '/', or a ".git"
/// segment is refused before anything is written. Keys ending in '/' are folder markers, not files.
/// </summary>
internal static class S3KeyMapping
{
    /// <summary>The prefix as listed: empty (whole bucket) or ending in '/'.</summary>
    public static string FolderPrefix(string prefix) => prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";

    /// <summary>
    /// The relative path of <paramref name="key"/>, null for a folder marker, or a problem naming the key.
    /// </summary>
    public static ModelRelativePath? Map(string folderPrefix, string key, out string? problem)
    {
        problem = null;
        if (!key.StartsWith(folderPrefix, StringComparison.Ordinal))
        {
            problem = $"object key {DisplayName.Quote(key)} is not under the prefix {DisplayName.Quote(folderPrefix)}";
            return null;
        }
        var rest = key[folderPrefix.Length..];
        if (rest.Length == 0 || key.EndsWith('/')) return null;
        if (!ModelRelativePath.TryCreate(rest, out var path, out var why))
        {
            problem = $"object key {DisplayName.Quote(key)} cannot be a file of the model: {why}";
            return null;
        }
        if (path!.ReservedProblem() is { } reserved)
        {
            problem = $"object key {DisplayName.Quote(key)}: {reserved}";
            return null;
        }
        return path;
    }
}
