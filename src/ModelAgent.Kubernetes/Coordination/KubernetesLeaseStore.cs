using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ModelAgent.Coordination;
using ModelAgent.Resilience;

namespace ModelAgent.Kubernetes.Coordination;

/// <summary>
/// Leases as coordination.k8s.io/v1 Lease objects. The spec carries client-go's fields; what the holder
/// publishes for waiters (progress) and leaves behind (outcome) rides in annotations, so <c>kubectl get lease</c>
/// shows the holder and <c>kubectl describe</c> the rest. Compare-and-swap is the API server's: a replace names the
/// resourceVersion it read and the loser gets 409; of two creates, the loser gets 409 AlreadyExists.
/// Waiters follow a lease by a watch of that one name (<see cref="KubernetesLeaseFollower"/>) instead of reading it.
/// Needs RBAC: coordination.k8s.io leases get, list, watch, create, update in the agent's namespace (deploy/ has it).
/// </summary>
internal sealed class KubernetesLeaseStore(IKubernetes client, string @namespace) : ILeaseStore, ILeaseChanges
{
    private const string ProgressAnnotation = "model-agent.io/progress";
    private const string OutcomeAnnotation = "model-agent.io/outcome";
    private const string ManagedByLabel = "app.kubernetes.io/managed-by";

    public string Describe(string key) => $"Lease {@namespace}/{key}";

    public ILeaseFollower Follow(string key, AgentEnvironment environment, ILogger logger) =>
        new KubernetesLeaseFollower(client, @namespace, key, environment, logger);

    public async Task<VersionedLease?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(key, @namespace, cancellationToken: cancellationToken);
            return ToVersioned(lease);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
        catch (Exception e) when (IsUnavailable(e, cancellationToken)) { throw Unavailable("read", key, e); }
    }

    public async Task<VersionedLease?> TryCreateAsync(string key, LeaseRecord record, CancellationToken cancellationToken)
    {
        var lease = ToLease(record,
            new V1ObjectMeta
            {
                Name = key, NamespaceProperty = @namespace, Labels = new Dictionary<string,
            string>
                { [ManagedByLabel] = "model-agent" }
            });
        try
        {
            return ToVersioned(await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, @namespace,
            cancellationToken: cancellationToken));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { return null; }
        catch (Exception e) when (IsUnavailable(e, cancellationToken)) { throw Unavailable("create", key, e); }
    }

    public async Task<VersionedLease?> TryUpdateAsync(string key, VersionedLease current, LeaseRecord next,
        CancellationToken cancellationToken)
    {
        var lease = ToLease(next,
            new V1ObjectMeta
            {
                Name = key, NamespaceProperty = @namespace, ResourceVersion = current.Version,
                Labels = new Dictionary<string, string> { [ManagedByLabel] = "model-agent" }
            });
        try
        {
            return ToVersioned(await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, key, @namespace,
            cancellationToken: cancellationToken));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound) { return null; }
        catch (Exception e) when (IsUnavailable(e, cancellationToken)) { throw Unavailable("update", key, e); }
    }

    private static V1Lease ToLease(LeaseRecord record, V1ObjectMeta metadata)
    {
        metadata.Annotations = new Dictionary<string, string>();
        if (record.Progress is not null) metadata.Annotations[ProgressAnnotation] = JsonSerializer.Serialize(record.Progress);
        if (record.Outcome is not null) metadata.Annotations[OutcomeAnnotation] = JsonSerializer.Serialize(record.Outcome);
        return new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = metadata,
            Spec = new V1LeaseSpec
            {
                HolderIdentity = record.HolderIdentity,
                LeaseDurationSeconds = record.LeaseDurationSeconds,
                AcquireTime = record.AcquireTime.UtcDateTime,
                RenewTime = record.RenewTime.UtcDateTime,
                LeaseTransitions = record.LeaseTransitions,
            },
        };
    }

    internal static VersionedLease ToVersioned(V1Lease lease)
    {
        var annotations = lease.Metadata?.Annotations;
        var spec = lease.Spec ?? new V1LeaseSpec();
        var record = new LeaseRecord
        {
            HolderIdentity = spec.HolderIdentity ?? "",
            LeaseDurationSeconds = spec.LeaseDurationSeconds ?? 0,
            AcquireTime = spec.AcquireTime is { } acquired ? new DateTimeOffset(DateTime.SpecifyKind(acquired, DateTimeKind.Utc)) : default,
            RenewTime = spec.RenewTime is { } renewed ? new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc)) : default,
            LeaseTransitions = spec.LeaseTransitions ?? 0,
            Progress = Annotation<LeaseProgress>(annotations, ProgressAnnotation),
            Outcome = Annotation<LeaseOutcome>(annotations, OutcomeAnnotation),
        };
        return new VersionedLease(record,
            lease.Metadata?.ResourceVersion
            ?? throw new InvalidOperationException("the API server returned a Lease without metadata.resourceVersion"));
    }

    // Annotations are user-editable; a garbled one is ignored rather than failing every node's coordination.
    private static T? Annotation<T>(IDictionary<string, string>? annotations, string name) where T : class
    {
        if (annotations is null || !annotations.TryGetValue(name, out var json)) return null;
        try { return JsonSerializer.Deserialize<T>(json); }
        catch (JsonException) { return null; }
    }

    private static bool IsUnavailable(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or HttpOperationException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested); // a client timeout, not our cancellation

    private LeaseBackendUnavailableException Unavailable(string verb, string key, Exception e)
    {
        var status = e is HttpOperationException http ? $"HTTP {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}" : e.Message;
        var hint = e switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden }
                => $"; grant the agent's service account get, create and update on coordination.k8s.io leases in namespace {@namespace}",
            HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound }
                => $"; does namespace {@namespace} exist? set --namespace (or POD_NAMESPACE) to the agent's namespace",
            _ => "",
        };
        return new LeaseBackendUnavailableException(string.Create(CultureInfo.InvariantCulture,
            $"cannot {verb} {Describe(key)}: {status}{hint}"), e);
    }
}
