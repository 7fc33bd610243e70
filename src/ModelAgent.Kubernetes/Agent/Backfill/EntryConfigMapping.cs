using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;

namespace ModelAgent.Kubernetes.Agent.Backfill;

/// <summary>The ConfigMap entry's <c>config</c> as OME's agent fills it from the parsed metadata (its field rules).</summary>
internal static class EntryConfigMapping
{
    public static ModelEntryConfig From(ModelMetadata? metadata, ModelArtifact artifact) => throw new NotImplementedException();
}
