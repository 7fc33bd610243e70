using System.Text;

namespace ModelAgent.Verification;

/// <summary>
/// The --include/--exclude patterns a completion record was pulled with: the model is complete for that selection
/// only, and files the patterns left out may be missing without making it incomplete.
/// </summary>
internal sealed record RecordSelection(IReadOnlyList<string> Include, IReadOnlyList<string> Exclude)
{
    /// <summary>Null when the record holds every file (no patterns).</summary>
    public static RecordSelection? Of(Completion.CompletionRecord record) =>
        record.Include is { Count: > 0 } || record.Exclude is { Count: > 0 }
            ? new RecordSelection(record.Include ?? [], record.Exclude ?? [])
            : null;

    /// <summary>The selection as pull flags, quoted for a POSIX shell: "--exclude 'model-00002*'".</summary>
    public string AsFlags()
    {
        var flags = new StringBuilder();
        foreach (var pattern in Include) flags.Append(flags.Length > 0 ? " " : "").Append("--include ").Append(ShellWord.Quote(pattern));
        foreach (var pattern in Exclude) flags.Append(flags.Length > 0 ? " " : "").Append("--exclude ").Append(ShellWord.Quote(pattern));
        return flags.ToString();
    }
}
