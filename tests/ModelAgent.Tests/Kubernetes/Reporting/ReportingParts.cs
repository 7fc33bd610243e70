using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Resilience;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Reporting;

/// <summary>The reporting writers wired to an official client, as the daemon wires them.</summary>
internal static class ReportingParts
{
    public static ReportingOptions Options(string node = "gpu-node-1") => new() { NodeName = node, Namespace = "ome" };

    /// <summary>The daemon's environment with <paramref name="attempts"/> API write tries, 10 ms apart.</summary>
    public static AgentEnvironment Environment(TimeProvider? time = null, int attempts = 5) =>
        TestEnvironment.On(time ?? TimeProvider.System, RetrySettings.Default with
        {
            ApiWrites = new RetrySchedule(attempts, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), Jitter: 0),
        });

    public static NodeLabelWriter Labels(IKubernetes client, ReportingOptions options, TimeProvider? time = null, int attempts = 5) =>
        new(client, options, Environment(time, attempts), NullLogger<NodeLabelWriter>.Instance);

    public static ConfigMapEntryWriter Entries(IKubernetes client, ReportingOptions options, TimeProvider? time = null) =>
        new(client, options, Environment(time), NullLogger<ConfigMapEntryWriter>.Instance);

    public static ModelReport Report(IKubernetes client, ReportingOptions options, TimeProvider? time = null) =>
        new(Labels(client, options, time), Entries(client, options, time), options, time ?? TimeProvider.System,
            NullLogger<ModelReport>.Instance);

    public static Task<V1Node> CreateNodeAsync(IKubernetes client, string name = "gpu-node-1", bool withLabels = true) =>
        client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = withLabels ? new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } : null,
            },
        });

    public static async Task<IDictionary<string, string>> NodeLabelsAsync(IKubernetes client, string name = "gpu-node-1") =>
        (await client.CoreV1.ReadNodeAsync(name)).Metadata.Labels ?? new Dictionary<string, string>();

    public static async Task<IDictionary<string, string>> DataAsync(IKubernetes client, string node = "gpu-node-1") =>
        (await client.CoreV1.ReadNamespacedConfigMapAsync(node, "ome")).Data ?? new Dictionary<string, string>();
}
