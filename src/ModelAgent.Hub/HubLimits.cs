namespace ModelAgent.Hub;

/// <summary>
/// What one client may cost the server, applied to Kestrel on both listeners. The defaults let every real client
/// through (huggingface_hub, huggingface.js, hf_transfer, <c>model-agent pull</c> send a few small headers and only
/// small JSON bodies) while bounding what idle, slow or oversized requests can hold.
/// </summary>
internal sealed record HubLimits
{
    /// <summary>Open connections per listener; further ones are refused at accept (closed at once).</summary>
    public long MaxConnections { get; init; } = 1024;

    /// <summary>Any request body, whatever its framing (Content-Length or chunked): paths-info and PUT /_hub/faults.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4 << 20;

    public int MaxRequestLineBytes { get; init; } = 8 << 10;
    public int MaxRequestHeadersBytes { get; init; } = 32 << 10;
    public int MaxRequestHeaderCount { get; init; } = 64;

    /// <summary>An idle keep-alive connection is closed after this.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The whole request head must arrive within this.</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A client that uploads or reads slower than this (bytes per second, averaged after <see cref="DataRateGrace"/>)
    /// is dropped. Only time spent waiting on the client counts, so the bandwidth faults never trip it.
    /// </summary>
    public double MinDataRateBytesPerSecond { get; init; } = 1024;

    public TimeSpan DataRateGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A response write that makes no progress this long means the client stopped reading: it is dropped.</summary>
    public TimeSpan WriteStallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
