using Microsoft.Extensions.Logging;

namespace ModelAgent.Testing.KubeApi;

/// <summary>How to start a <see cref="KubeApiServer"/>. Defaults suit tests: a free loopback port, quiet logs.</summary>
internal sealed record KubeApiServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (read it back from <see cref="KubeApiServer.BaseAddress"/>).</summary>
    public int Port { get; init; }

    /// <summary>How many changes a watch can resume across; older resourceVersions get 410 Expired.</summary>
    public int WatchHistoryLimit { get; init; } = 1000;

    /// <summary>How often an idle watch that asked for bookmarks gets a BOOKMARK (kube-apiserver: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Seed for fault rules that fire for a fraction of requests, so a run can be replayed.</summary>
    public int FaultSeed { get; init; } = 12345;

    /// <summary>Namespaces that exist from the start (a namespaced object can only be created in an existing namespace).</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>
    /// RBAC mode: every request needs <c>Authorization: Bearer TOKEN</c>; <c>admin</c> may do anything, and
    /// <c>system:serviceaccount:NS:NAME</c> only what the stored roles and bindings grant that ServiceAccount.
    /// </summary>
    public bool Authorize { get; init; }

    /// <summary>
    /// Serve HTTPS with this certificate (with its private key) instead of plain HTTP. kubectl sends a kubeconfig's token
    /// only over TLS, so a test that drives the RBAC mode with kubectl needs it.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ServingCertificate { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory? LoggerFactory { get; init; }
}
