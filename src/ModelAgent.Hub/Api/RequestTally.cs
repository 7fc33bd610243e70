using Microsoft.AspNetCore.Http;

namespace ModelAgent.Hub.Api;

/// <summary>Body bytes written for the current request, for the request log.</summary>
internal sealed class RequestTally
{
    private static readonly object Key = new();
    public long Bytes;

    public static RequestTally Of(HttpContext context)
    {
        if (context.Items.TryGetValue(Key, out var value) && value is RequestTally tally) return tally;
        tally = new RequestTally();
        context.Items[Key] = tally;
        return tally;
    }
}
