using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ModelAgent.Hub.Peers;

/// <summary>How to start a <see cref="PeerServer"/>. Port 0 picks a free port.</summary>
internal sealed record PeerServerOptions
{
    public const int DefaultMaxUploads = 4;

    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }

    /// <summary>When set, every request needs <c>Authorization: Bearer &lt;Token&gt;</c> (401 otherwise). Never logged.</summary>
    public string? Token { get; init; }

    /// <summary>File bodies sent at once; one more is answered 503 with Retry-After, so the asking node goes elsewhere.</summary>
    public int MaxUploads { get; init; } = DefaultMaxUploads;

    /// <summary>Connection, header and data-rate limits, as the hub's listeners have them (the body limit is unused: no bodies).</summary>
    public HubLimits Limits { get; init; } = new();

    /// <summary>
    /// Test fault: flips one byte in the middle of every file body served, so a fetching node must catch it by the
    /// origin's digest. Reachable only through a hidden test flag; off by default.
    /// </summary>
    public bool CorruptBodies { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
