using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Hub.Faults;
using ModelAgent.Hub.Repository;

namespace ModelAgent.Hub;

/// <summary>How to start a <see cref="HubServer"/>. Port 0 picks a free port.</summary>
internal sealed record HubServerOptions(string Root)
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }

    /// <summary>When set, every repo requires <c>Authorization: Bearer &lt;Token&gt;</c> (401 otherwise). Never logged.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// Turns on the <c>/_hub/</c> test endpoints (faults, stats, request log); off, they answer 404 as if absent.
    /// They need <see cref="ControlToken"/>, else <see cref="Token"/>, when either is set.
    /// </summary>
    public bool Control { get; init; }

    /// <summary>The token the <c>/_hub/</c> endpoints require (implies <see cref="Control"/>). Never logged.</summary>
    public string? ControlToken { get; init; }

    /// <summary>Connection, header, body and data-rate limits of both listeners.</summary>
    public HubLimits Limits { get; init; } = new();

    /// <summary>Answer LFS resolves with a 302 to a second listener (the "CDN") that serves the bytes.</summary>
    public bool Cdn { get; init; }
    /// <summary>Address of the CDN listener; default 127.0.0.2 when the hub is on 127.0.0.1 (another host), else the hub's host.</summary>
    public string? CdnHost { get; init; }

    /// <summary>Tree entries per page (the real Hub: about 1000). Small values force pagination in tests.</summary>
    public int TreePageSize { get; init; } = 1000;

    public long LfsThresholdBytes { get; init; } = StorageRule.DefaultThresholdBytes;

    /// <summary>Repos (org/name) whose files need the token: anonymous 401 GatedRepo, other tokens 403 GatedRepo.</summary>
    public IReadOnlySet<string> GatedRepos { get; init; } = new HashSet<string>();

    public FaultSettings Faults { get; init; } = FaultSettings.None;
    public int Seed { get; init; } = 1;

    public TimeProvider Time { get; init; } = TimeProvider.System;
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
