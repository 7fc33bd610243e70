using k8s;
using k8s.Models;

namespace ModelAgent.Tests.Support;

/// <summary>
/// OME's CRDs (BaseModel, ClusterBaseModel) as the Helm chart ships them in deploy/helm/model-agent/crds/, created
/// through the official client: the test API server serves ome.io only after this, as a cluster without OME would.
/// </summary>
internal static class OmeCrds
{
    public static string Directory => Path.Combine(RepositoryPaths.Root, "deploy", "helm", "model-agent", "crds");

    public static IReadOnlyList<string> Files => [Path.Combine(Directory, "ome.io_basemodels.yaml"),
        Path.Combine(Directory, "ome.io_clusterbasemodels.yaml")];

    /// <summary>
    /// Swaps the applied CRDs' schemas for OME's "minimal" ones (no schema, every field preserved), as on clusters that
    /// installed those: then a model without spec.storage or with fields a newer OME added is stored as written.
    /// </summary>
    public static async Task UseMinimalSchemasAsync(IKubernetes client, CancellationToken cancellationToken = default)
    {
        foreach (var name in new[] { "basemodels.ome.io", "clusterbasemodels.ome.io" })
        {
            var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: cancellationToken);
            foreach (var version in crd.Spec.Versions)
                version.Schema = new V1CustomResourceValidation
                {
                    OpenAPIV3Schema = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true },
                };
            await client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, name, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Creates both CRDs and returns once ome.io/v1beta1 is in discovery with both kinds.</summary>
    public static async Task ApplyAsync(IKubernetes client, CancellationToken cancellationToken = default)
    {
        foreach (var file in Files)
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file, cancellationToken));
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: cancellationToken);
        }
        for (var attempt = 0; ; attempt++)
        {
            var resources = await client.CustomObjects.GetAPIResourcesAsync("ome.io", "v1beta1", cancellationToken);
            var served = resources.Resources.Select(r => r.Name).ToHashSet();
            if (served.Contains("basemodels") && served.Contains("clusterbasemodels")) return;
            if (attempt == 50)
                throw new InvalidOperationException($"ome.io/v1beta1 serves [{string.Join(", ", served)}] after creating the CRDs");
            await Task.Delay(100, cancellationToken);
        }
    }
}
