namespace ModelAgent.Verification;

/// <summary>Quotes one word for a POSIX shell, so a printed command can be pasted as is.</summary>
internal static class ShellWord
{
    /// <summary>Patterns always get single quotes (a bare '*' would be expanded by the shell); plain words stay bare.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or ':' or '@' or '=' or ',' or '+')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
