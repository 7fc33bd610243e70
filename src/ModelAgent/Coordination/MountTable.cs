using System.Text;

namespace ModelAgent.Coordination;

/// <summary>One line of /proc/self/mountinfo (proc(5)): where a filesystem is mounted and what it is.</summary>
internal sealed record MountEntry(int Id, int ParentId, string Root, string MountPoint, string FsType, string Source);

/// <summary>
/// /proc/self/mountinfo parsed. Fields after the optional ones are found by the " - " separator, not by index,
/// and octal escapes (\040 for a space) are undone, as proc(5) requires.
/// </summary>
internal sealed class MountTable
{
    public const string SelfPath = "/proc/self/mountinfo";

    private MountTable(IReadOnlyList<MountEntry> entries) => Entries = entries;

    public IReadOnlyList<MountEntry> Entries { get; }

    public static MountTable Parse(string text)
    {
        var entries = new List<MountEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 7 || dash < 0 || dash + 2 >= fields.Length) continue; // not a mount line; proc(5) allows future fields
            if (!int.TryParse(fields[0], out var id) || !int.TryParse(fields[1], out var parent)) continue;
            entries.Add(new MountEntry(id, parent, Unescape(fields[3]), Unescape(fields[4]), fields[dash + 1], Unescape(fields[dash + 2])));
        }
        return new MountTable(entries);
    }

    public static MountTable ReadSelf() => Parse(File.ReadAllText(SelfPath));

    /// <summary>
    /// The mount that holds <paramref name="path"/>: the longest mount point that prefixes it. Later lines win a tie,
    /// because a later mount on the same point hides the earlier one.
    /// </summary>
    public MountEntry? Find(string path)
    {
        MountEntry? best = null;
        foreach (var entry in Entries)
        {
            if (!Contains(entry.MountPoint, path)) continue;
            if (best is null || entry.MountPoint.Length >= best.MountPoint.Length) best = entry;
        }
        return best;
    }

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var builder = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else builder.Append(field[i]);
        }
        return builder.ToString();
    }

    private static bool IsOctal(string s, int start) =>
        start + 3 <= s.Length && s[start] is >= '0' and <= '7' && s[start + 1] is >= '0' and <= '7' && s[start + 2] is >= '0' and <= '7';
}
