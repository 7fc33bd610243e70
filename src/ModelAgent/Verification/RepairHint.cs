namespace ModelAgent.Verification;

/// <summary>
/// The command that refetches what --deep found corrupt: <c>model-agent pull SOURCE --dest DIR --repair</c>, with the
/// record's selection so the pull takes the same files. Only for a record a pull wrote: an adopted directory names
/// no origin to fetch from.
/// </summary>
internal static class RepairHint
{
    public static string? For(string directory, Verdict verdict)
    {
        if (!verdict.FromRecord || verdict.RecordAdopted || verdict.ContentMismatches.Count == 0 || verdict.RecordSource is not { } source)
            return null;
        var selection = verdict.Selection is { } s ? " " + s.AsFlags() : "";
        return $"model-agent pull {ShellWord.Quote(source)} --dest {ShellWord.Quote(Path.GetFullPath(directory))}{selection} --repair";
    }
}
