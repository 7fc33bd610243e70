using System.Globalization;
using System.Text;

namespace ModelAgent.Storage;

/// <summary>
/// Untrusted text (a remote file name, a repo id, a revision, a lease holder, server text) made safe to print on a
/// terminal and in a log line. An origin or another tenant chooses these strings: raw, an ESC starts a terminal
/// control sequence, a newline forges a log line, and a bidi override (U+202E) shows "gpj.exe" as "exe.jpg".
/// </summary>
/// <remarks>
/// <see cref="Escape"/> is injective (up to its length bound): a backslash becomes <c>\\</c>, a quote <c>\'</c>, and
/// every character that could move the cursor, end a line, reorder or hide text (C0, DEL, C1, format characters
/// such as bidi controls and zero-width ones, line and paragraph separators, unpaired surrogates) becomes
/// <c>\uXXXX</c> (<c>\n</c>, <c>\r</c>, <c>\t</c> for the common three), so two different names never print alike.
/// <see cref="Line"/> is the last guard where a whole line is written: the same characters, but backslashes and
/// quotes are left alone so text escaped earlier is not escaped twice.
/// </remarks>
internal static class DisplayName
{
    /// <summary>Enough for any real model file name; a longer one is cut and says how much was left out.</summary>
    public const int DefaultMaxLength = 256;

    /// <summary>The text escaped and in single quotes, for a message: <c>'a\u001bb'</c>.</summary>
    public static string Quote(string? text, int maxLength = DefaultMaxLength) => "'" + Escape(text, maxLength) + "'";

    /// <summary>
    /// The text with backslash, quote and every unsafe character escaped; at most <paramref name="maxLength"/> input
    /// characters are shown, the rest is counted ("... (N more characters)").
    /// </summary>
    public static string Escape(string? text, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var shown = text.Length <= maxLength ? text.Length : maxLength;
        // Do not cut a surrogate pair in two: the half left would print as an unpaired surrogate.
        if (shown < text.Length && shown > 0 && char.IsHighSurrogate(text[shown - 1])) shown--;
        var builder = new StringBuilder(shown + 16);
        Append(builder, text[..shown], escapeQuoting: true);
        if (shown < text.Length) builder.Append($"... ({text.Length - shown} more characters)");
        return builder.ToString();
    }

    /// <summary>A whole line with every unsafe character escaped; backslashes and quotes kept as they are.</summary>
    public static string Line(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        if (FirstUnsafe(text) < 0) return text;
        var builder = new StringBuilder(text.Length + 16);
        Append(builder, text, escapeQuoting: false);
        return builder.ToString();
    }

    /// <summary>
    /// Why a file name may not be written at all, or null: a control character (C0 with NUL, DEL, C1), a
    /// bidirectional control, a line or paragraph separator, or an unpaired surrogate (it cannot be stored
    /// faithfully: two such names would land on the same file).
    /// </summary>
    public static string? RefusedCharacter(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsControl(c)) return $"a control character (U+{(int)c:X4})";
            if (IsBidiControl(c)) return $"a bidirectional text control (U+{(int)c:X4})";
            if (c is '\u2028' or '\u2029') return $"a line or paragraph separator (U+{(int)c:X4})";
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return $"an unpaired surrogate (U+{(int)c:X4})";
        }
        return null;
    }

    /// <summary>The characters that reorder text: embeddings, overrides, isolates and the implicit marks.</summary>
    public static bool IsBidiControl(char c) =>
        c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';

    private static int FirstUnsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (UnsafeLength(text, i) > 0) return i;
            if (char.IsHighSurrogate(text[i])) i++; // a valid pair (checked by UnsafeLength): skip its low half
        }
        return -1;
    }

    private static void Append(StringBuilder builder, string source, bool escapeQuoting)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (escapeQuoting && c is '\\' or '\'') { builder.Append('\\').Append(c); continue; }
            var unsafeLength = UnsafeLength(source, i);
            if (unsafeLength == 0)
            {
                builder.Append(c);
                if (char.IsHighSurrogate(c)) builder.Append(source[++i]);
                continue;
            }
            for (var k = 0; k < unsafeLength; k++) AppendEscaped(builder, source[i + k]);
            i += unsafeLength - 1;
        }
    }

    private static void AppendEscaped(StringBuilder builder, char c) => builder.Append(c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => $"\\u{(int)c:X4}",
    });

    /// <summary>How many UTF-16 units at <paramref name="i"/> form one unsafe character (0: safe, print as is).</summary>
    private static int UnsafeLength(string text, int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            // Invisible supplementary characters (tag characters U+E0000-E007F hide text) are format characters too.
            var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1]));
            return IsUnsafeCategory(category) ? 2 : 0;
        }
        if (char.IsSurrogate(c)) return 1;
        return IsUnsafeCategory(CharUnicodeInfo.GetUnicodeCategory(c)) ? 1 : 0;
    }

    private static bool IsUnsafeCategory(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
}
