using Microsoft.AspNetCore.Http;

namespace ModelAgent.Hub.Api;

/// <summary>Query-string conventions of Hub clients: booleans as true/True/1, lists as repeated <c>k=</c> or <c>k[]=</c>.</summary>
internal static class QueryFlags
{
    public static bool IsTrue(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var values) && values.Any(v => v is not null && IsTrue(v));

    public static bool IsTrue(string value) =>
        value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1";

    public static IReadOnlyList<string> List(IQueryCollection query, string key) =>
        [.. query[key].Concat(query[key + "[]"]).Where(v => !string.IsNullOrEmpty(v)).SelectMany(v => v!.Split(','))];
}
