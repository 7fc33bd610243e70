using System.Text;
using CsCheck;
using ModelAgent.Storage;

namespace ModelAgent.Tests.Storage;

public class DisplayNameTests
{
    [Theory]
    [InlineData("config.json", "config.json")]
    [InlineData("a\u001b[31mred", "a\\u001B[31mred")]
    [InlineData("a\u0000b", "a\\u0000b")]
    [InlineData("line\nforged", "line\\nforged")]
    [InlineData("tab\there\r", "tab\\there\\r")]
    [InlineData("del\u007f c1\u009b", "del\\u007F c1\\u009B")]
    [InlineData("exe.\u202Egpj", "exe.\\u202Egpj")]
    [InlineData("\u2066iso\u2069 \u200e\u200f\u061c", "\\u2066iso\\u2069 \\u200E\\u200F\\u061C")]
    [InlineData("zero\u200bwidth\ufeff", "zero\\u200Bwidth\\uFEFF")]
    [InlineData("sep\u2028par\u2029", "sep\\u2028par\\u2029")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("it's", "it\\'s")]
    [InlineData("tag\U000E0041", "tag\\uDB40\\uDC41")]
    [InlineData("ok \U0001F600 и 中文 é", "ok \U0001F600 и 中文 é")]
    public void Escape_shows_every_unsafe_character_as_an_escape_and_keeps_the_rest(string name, string expected) =>
        Assert.Equal(expected, DisplayName.Escape(name));

    /// <summary>Unpaired surrogates are built in code: xUnit's attribute data cannot carry them.</summary>
    [Fact]
    public void An_unpaired_surrogate_is_escaped_and_refused_and_a_pair_is_kept()
    {
        var lone = "lone" + (char)0xD800 + " high";
        Assert.Equal("lone\\uD800 high", DisplayName.Escape(lone));
        Assert.Equal("unpaired surrogate (U+DC00)", DisplayName.RefusedCharacter("a" + (char)0xDC00)![3..]);
        Assert.False(ModelRelativePath.TryCreate("x" + (char)0xD800 + "y", out _, out var problem));
        Assert.Contains("'x\\uD800y' contains an unpaired surrogate", problem);
        Assert.Null(DisplayName.RefusedCharacter("pair \U0001F600"));
    }

    [Fact]
    public void Quote_wraps_the_escaped_name_in_single_quotes() =>
        Assert.Equal("'a\\'b\\u001B'", DisplayName.Quote("a'b\u001b"));

    [Fact]
    public void A_long_name_is_cut_and_says_how_much_was_left_out()
    {
        var shown = DisplayName.Escape(new string('x', 1000), maxLength: 10);
        Assert.Equal("xxxxxxxxxx... (990 more characters)", shown);
        // A cut never leaves half a surrogate pair behind.
        var emoji = DisplayName.Escape("abcdefghi\U0001F600tail", maxLength: 10);
        Assert.Equal("abcdefghi... (6 more characters)", emoji);
    }

    [Fact]
    public void Line_escapes_unsafe_characters_but_leaves_backslashes_and_quotes_for_text_escaped_before()
    {
        Assert.Equal("name 'a\\u001Bb' and \\u202E", DisplayName.Line("name 'a\\u001Bb' and \u202E"));
        Assert.Equal("a\\nb", DisplayName.Line("a\nb"));
        const string plain = "plain 'text' with C:\\path";
        Assert.Same(plain, DisplayName.Line(plain));
    }

    [Theory]
    [InlineData("a\u001bb", "control character (U+001B)")]
    [InlineData("a\u0000b", "control character (U+0000)")]
    [InlineData("a\u0085b", "control character (U+0085)")]
    [InlineData("a\u202Eb", "bidirectional text control (U+202E)")]
    [InlineData("a\u2067b", "bidirectional text control (U+2067)")]
    [InlineData("a\u061Cb", "bidirectional text control (U+061C)")]
    [InlineData("a\u2028b", "line or paragraph separator (U+2028)")]
    public void Refused_characters_are_named(string name, string expected) =>
        Assert.Contains(expected, DisplayName.RefusedCharacter(name));

    [Theory]
    [InlineData("model-00001-of-00002.safetensors")]
    [InlineData("émoji \U0001F600.txt")]
    [InlineData("zero\u200bwidth")]
    public void Ordinary_names_are_not_refused(string name) => Assert.Null(DisplayName.RefusedCharacter(name));

    private static readonly char[] Special =
        ['\\', '\'', '\u001b', '\u202e', '\u2066', '\u200f', '\u2028', '\ud83d', '\ude00', '\ufeff', 'u', '0'];

    /// <summary>Any string at all, weighted towards the characters that matter here.</summary>
    private static readonly Gen<string> Hostile = Gen.OneOf(
            Gen.Char,
            Gen.Char['\0', '\u00a0'],
            Gen.Int[0, Special.Length - 1].Select(i => Special[i]))
        .Array[0, 40].Select(chars => new string(chars));

    [Fact]
    public void Property_escaped_text_has_no_unsafe_character_and_decodes_back_to_the_name()
    {
        Hostile.Sample(name =>
        {
            var escaped = DisplayName.Escape(name);
            AssertPrintable(escaped);
            Assert.Equal(name, Unescape(escaped));
            AssertPrintable(DisplayName.Line(name));
        }, iter: 20_000, threads: 1);
    }

    [Fact]
    public void Property_two_different_names_never_print_alike()
    {
        Gen.Select(Hostile, Hostile).Sample((a, b) =>
        {
            if (a != b) Assert.NotEqual(DisplayName.Quote(a), DisplayName.Quote(b));
        }, iter: 20_000, threads: 1);
    }

    /// <summary>No C0/DEL/C1, no format or separator character, no unpaired surrogate: what reaches a terminal.</summary>
    internal static void AssertPrintable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = char.GetUnicodeCategory(text, i);
                Assert.False(category == System.Globalization.UnicodeCategory.Format,
                    $"format character at {i} in {DisplayName.Escape(text)}");
                i++;
                continue;
            }
            var unsafeCategory = char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Control
                or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator
                or System.Globalization.UnicodeCategory.ParagraphSeparator or System.Globalization.UnicodeCategory.Surrogate;
            Assert.False(unsafeCategory, $"raw U+{(int)c:X4} at {i} in {DisplayName.Escape(text)}");
        }
    }

    /// <summary>The inverse of <see cref="DisplayName.Escape"/> for text within its length bound.</summary>
    private static string Unescape(string escaped)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != '\\') { builder.Append(escaped[i]); continue; }
            var next = escaped[++i];
            switch (next)
            {
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u': builder.Append((char)Convert.ToInt32(escaped.Substring(i + 1, 4), 16)); i += 4; break;
                default: builder.Append(next); break;
            }
        }
        return builder.ToString();
    }
}
