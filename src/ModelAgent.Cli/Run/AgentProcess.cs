using k8s;
using k8s.Autorest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelAgent.Hub;
using ModelAgent.Kubernetes.Agent.Hosting;
using ModelAgent.Kubernetes.Agent.Metrics;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Coordination;
using ModelAgent.Resilience;

namespace ModelAgent.Cli.Run;

/// <summary>
/// The <c>run</c> process: checks its flags, finds the API server, checks this Node exists, composes the agent and runs
/// it with its probes in one host (<see cref="AgentWebHost"/>) until the command's token fires (SIGTERM, Ctrl-C).
/// </summary>
internal static class AgentProcess
{
    public static async Task<int> RunAsync(RunArguments arguments, CancellationToken cancellationToken)
    {
        if (!arguments.TryBuild(out var settings, out var problem)) return Usage(problem);
        using var loggers = CliLogging.Create(settings.LogLevel);
        var logger = loggers.CreateLogger("ModelAgent.Run");
        if (settings.Standalone is { } standalone)
            return await StandaloneProcess.RunAsync(settings, standalone, loggers, cancellationToken);
        if (!KubernetesConnection.TryConfigure(out var config, out var source, out var kubeProblem)) return Usage(kubeProblem);
        logger.LogInformation("Kubernetes API server {Server} (configuration from {Source}); node {Node}, namespace {Namespace}",
            config.Host, source, settings.Agent.NodeName, settings.Agent.Namespace);
        using var client = new k8s.Kubernetes(config);
        if (await MissingNodeAsync(client, settings.Agent.NodeName, logger, cancellationToken) is { } missing) return Usage(missing);

        // Leases get their own client: a hung API server must cost a renewal, not the lease, so no lease request may outlast
        // the renew interval (10 s at most), while watches and reports keep the default timeout.
        config.HttpClientTimeout = TimeSpan.FromSeconds(Math.Clamp(settings.Coordination.Timings.RenewInterval.TotalSeconds, 1, 10));
        using var leaseClient = new k8s.Kubernetes(config);
        var coordination = settings.LeasesInKubernetes
            ? settings.Coordination with { Backend = _ => new KubernetesLeaseStore(leaseClient, settings.Agent.Namespace) }
            : settings.Coordination;

        var state = new WatchedDesiredState();
        // OME's --node-label-retry is the attempts of every label and ConfigMap write.
        var retry = RetrySettings.Default;
        var environment = AgentEnvironment.Default with
        {
            Retry = retry with { ApiWrites = retry.ApiWrites with { Attempts = settings.Agent.NodeLabelRetry } },
        };
        // One registry per process, never prometheus-net's static default: tests run several agents in one process.
        var metrics = Prometheus.Metrics.NewCustomRegistry();
        Prometheus.DotNetStats.Register(metrics);
        var signals = new ModelSignalFanOut(new AgentMetrics(metrics, settings.Agent.ModelsRoot, environment.Time));
        await using var composition = AgentComposition.Build(settings with { Coordination = coordination }, client, state, environment,
            loggers, signals);
        var host = new AgentHost(AgentWatches.For(client, settings.Agent.NodeName), state, composition.Reconciler, settings.Agent,
            new AgentHostOptions(), environment, loggers);

        return await AgentWebHost.RunAsync(host, settings.Port, app => AgentEndpoints.Map(app, settings.Agent.ModelsRoot,
            () => host.Synced.IsCompletedSuccessfully, () => host.WatchFailingFor, metrics), logger, cancellationToken);
    }

    /// <summary>OME stops when its Node cannot be read; we stop only when the API server says it does not exist.</summary>
    private static async Task<string?> MissingNodeAsync(IKubernetes client, string node, ILogger logger,
        CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await client.CoreV1.ReadNodeAsync(node, cancellationToken: bounded.Token);
            return null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return $"node '{node}' does not exist on the API server: --node-name (or NODE_NAME) must name the Node this agent " +
                "runs on";
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            // Unreachable or refused for now: the watches retry with backoff and /readyz says so until they list.
            logger.LogWarning("Could not read node {Node} yet ({Reason}); starting anyway, /readyz waits for the watches", node,
                e.Message);
            return null;
        }
    }

    private static int Usage(string message) => AgentWebHost.Usage(message);
}
