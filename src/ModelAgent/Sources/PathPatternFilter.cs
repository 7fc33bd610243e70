namespace ModelAgent.Sources;

/// <summary>
/// <c>--include</c>/<c>--exclude</c> with huggingface_hub's meaning (<c>filter_repo_objects</c>): Python
/// <c>fnmatch.fnmatchcase</c>, case-sensitive, <c>*</c> crosses '/', <c>?</c> one character, <c>[seq]</c>/<c>[!seq]</c>
/// classes; '\' becomes '/' in patterns and paths; a pattern ending in '/' gets '*' appended. A path is kept when it
/// matches any include (or there is none) and no exclude.
/// </summary>
internal sealed class PathPatternFilter
{
    private readonly string[] _include;
    private readonly string[] _exclude;

    public PathPatternFilter(IReadOnlyList<string>? include, IReadOnlyList<string>? exclude)
    {
        _include = Normalize(include);
        _exclude = Normalize(exclude);
    }

    public IReadOnlyList<string> Include => _include;
    public IReadOnlyList<string> Exclude => _exclude;
    public bool IsEmpty => _include.Length == 0 && _exclude.Length == 0;

    public bool Keeps(string path)
    {
        path = path.Replace('\\', '/');
        if (_include.Length > 0 && !AnyMatch(_include, path)) return false;
        return !AnyMatch(_exclude, path);
    }

    private static bool AnyMatch(string[] patterns, string path)
    {
        foreach (var pattern in patterns)
            if (Matches(pattern, path)) return true;
        return false;
    }

    private static string[] Normalize(IReadOnlyList<string>? patterns)
    {
        if (patterns is null) return [];
        var result = new string[patterns.Count];
        for (var i = 0; i < patterns.Count; i++)
        {
            var p = patterns[i].Replace('\\', '/');
            result[i] = p.EndsWith('/') ? p + "*" : p;
        }
        return result;
    }

    /// <summary>fnmatchcase: iterative wildcard match with backtracking to the last '*'.</summary>
    internal static bool Matches(string pattern, string text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*') { starP = p++; starT = t; continue; }
                if (c == '?') { p++; t++; continue; }
                if (c == '[')
                {
                    var end = ClassEnd(pattern, p);
                    if (end < 0)
                    {
                        // An unclosed '[' is a literal, as in fnmatch.
                        if (text[t] == '[') { p++; t++; continue; }
                    }
                    else if (ClassMatches(pattern, p + 1, end, text[t])) { p = end + 1; t++; continue; }
                }
                else if (c == text[t]) { p++; t++; continue; }
            }
            if (starP < 0) return false;
            p = starP + 1;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>Index of the ']' closing the class opened at <paramref name="open"/>, or -1 (fnmatch: a ']' first is literal).</summary>
    private static int ClassEnd(string pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && pattern[i] == '!') i++;
        if (i < pattern.Length && pattern[i] == ']') i++;
        while (i < pattern.Length && pattern[i] != ']') i++;
        return i < pattern.Length ? i : -1;
    }

    private static bool ClassMatches(string pattern, int start, int end, char c)
    {
        var negate = start < end && pattern[start] == '!';
        if (negate) start++;
        var matched = false;
        for (var i = start; i < end; i++)
        {
            if (i + 2 < end && pattern[i + 1] == '-')
            {
                if (c >= pattern[i] && c <= pattern[i + 2]) matched = true;
                i += 2;
            }
            else if (pattern[i] == c) matched = true;
        }
        return matched != negate;
    }
}
