using ModelAgent.Completion;
using ModelAgent.Verification;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// The command that fixes what <c>verify --deep</c> found in a pulled model: <c>pull --repair</c> with the recorded
/// source, since a plain <c>pull</c> trusts the record's sizes and would keep the damaged files.
/// </summary>
internal static class RepairHint
{
    public static string? For(string directory, Verdict verdict)
    {
        if (!verdict.Deep || verdict.Complete || !verdict.FromRecord || verdict.RecordAdopted) return null;
        if (CompletionRecordStore.Read(directory).Record is not { Adopted: false, Source: { } source }
            || !source.StartsWith("hf://", StringComparison.Ordinal)) return null;
        return $"to repair: model-agent pull {Quote(source)} --dest {Quote(Path.GetFullPath(directory))} --repair" +
               " (with the --endpoint and token the model was pulled with)";
    }

    private static string Quote(string text) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || "/._-@:+=,".Contains(c)) ? text : "'" + text.Replace("'", "'\\''") + "'";
}
