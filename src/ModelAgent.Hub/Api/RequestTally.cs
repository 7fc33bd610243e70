using Microsoft.AspNetCore.Http;

namespace ModelAgent.Hub.Api;

/// <summary>Body bytes written for the current request, for the request log (which may read it while it grows).</summary>
internal sealed class RequestTally
{
    private static readonly object Key = new();
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public void Add(long bytes) => Interlocked.Add(ref _bytes, bytes);

    public static RequestTally Of(HttpContext context)
    {
        if (context.Items.TryGetValue(Key, out var value) && value is RequestTally tally) return tally;
        tally = new RequestTally();
        context.Items[Key] = tally;
        return tally;
    }
}
