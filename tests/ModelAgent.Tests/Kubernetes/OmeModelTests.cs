using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes;

/// <summary>
/// The typed BaseModel / ClusterBaseModel through the official client against the project's API server: objects written
/// as users write them (JSON names exactly as the CRD) come back typed, and fields the types do not name survive a
/// read-modify-write.
/// </summary>
public class OmeModelTests
{
    private static JsonObject BaseModelJson(string name) => JsonNode.Parse($$"""
        {
          "apiVersion": "ome.io/v1beta1",
          "kind": "BaseModel",
          "metadata": {
            "name": "{{name}}",
            "labels": { "models.ome/reserve-model-artifact": "TRUE" },
            "annotations": { "ome.oracle.com/skip-config-parsing": "false" }
          },
          "spec": {
            "displayName": "Llama 3.1 8B",
            "modelFormat": { "name": "safetensors", "version": "1.0.0" },
            "modelFramework": { "name": "transformers", "version": "4.43.0" },
            "modelCapabilities": ["TEXT_TO_TEXT"],
            "modelConfiguration": { "architecture": "LlamaForCausalLM", "context_length": 131072 },
            "maxTokens": 131072,
            "additionalMetadata": { "type": "Serving" },
            "futureSpecField": { "kept": true },
            "storage": {
              "storageUri": "hf://meta-llama/Llama-3.1-8B-Instruct@main",
              "path": "/raid/models/llama-3-1-8b",
              "key": "hf-token",
              "parameters": { "secretKey": "token" },
              "downloadPolicy": "ReuseIfExists",
              "nodeSelector": { "node.kubernetes.io/instance-type": "BM.GPU.H100.8" },
              "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                  "nodeSelectorTerms": [
                    { "matchFields": [ { "key": "metadata.name", "operator": "In", "values": ["gpu-node-1"] } ] }
                  ]
                }
              },
              "futureStorageField": "kept"
            }
          }
        }
        """)!.AsObject();

    [Fact]
    public async Task A_base_model_reads_back_typed_with_every_field_the_agent_uses()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            BaseModelJson("llama"), OmeApi.Group, OmeApi.Version, "default", OmeApi.BaseModelPlural);

        var generic = new GenericClient(client, OmeApi.Group, OmeApi.Version, OmeApi.BaseModelPlural, disposeClient: false);
        var model = await generic.ReadNamespacedAsync<BaseModel>("default", "llama", CancellationToken.None);

        Assert.Equal(ModelReference.BaseModel("default", "llama"), model.Reference);
        Assert.True(model.ReservesArtifact); // "TRUE": OME compares case-insensitively
        Assert.False(model.SkipsConfigParsing);
        Assert.False(model.IsBeingDeleted);
        var storage = model.Spec.Storage!;
        Assert.Equal("hf://meta-llama/Llama-3.1-8B-Instruct@main", storage.StorageUri);
        Assert.Equal("/raid/models/llama-3-1-8b", storage.Path);
        Assert.Equal("hf-token", storage.Key);
        Assert.Equal("token", storage.Parameters!["secretKey"]);
        Assert.Equal(StorageSpec.ReuseIfExists, storage.EffectiveDownloadPolicy);
        Assert.Equal("BM.GPU.H100.8", storage.NodeSelector!["node.kubernetes.io/instance-type"]);
        var term = Assert.Single(storage.NodeAffinity!.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms);
        var field = Assert.Single(term.MatchFields);
        Assert.Equal(("metadata.name", "In", "gpu-node-1"), (field.Key, field.OperatorProperty, Assert.Single(field.Values)));
        Assert.Equal(("safetensors", "1.0.0"), (model.Spec.ModelFormat!.Name, model.Spec.ModelFormat.Version));
        Assert.Equal("transformers", model.Spec.ModelFramework!.Name);
        Assert.Equal(131072, model.Spec.MaxTokens);
        Assert.Equal("Serving", model.Spec.AdditionalMetadata!["type"]);
        Assert.Equal(131072, model.Spec.ModelConfiguration!.Value.GetProperty("context_length").GetInt32());
        Assert.Null(model.Spec.ModelType);

        // What the agent targets and where the files go, straight from the typed object.
        var node = new TargetNode("gpu-node-1", new Dictionary<string, string> { ["node.kubernetes.io/instance-type"] = "BM.GPU.H100.8" });
        Assert.True(NodeTargeting.Decide(storage, node).Applies);
        Assert.False(NodeTargeting.Decide(storage, node with { Name = "gpu-node-2" }).Applies);
        var destination = Assert.IsType<ModelDestination.OnNode>(ModelDestination.Resolve(storage, "/mnt/models"));
        Assert.Equal("/raid/models/llama-3-1-8b", destination.Path);
    }

    [Fact]
    public async Task Fields_the_types_do_not_name_survive_a_typed_replace()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await OmeCrds.UseMinimalSchemasAsync(client); // OME's minimal CRDs keep what its full schema would prune or refuse
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            BaseModelJson("llama"), OmeApi.Group, OmeApi.Version, "default", OmeApi.BaseModelPlural);
        var generic = new GenericClient(client, OmeApi.Group, OmeApi.Version, OmeApi.BaseModelPlural, disposeClient: false);
        var model = await generic.ReadNamespacedAsync<BaseModel>("default", "llama", CancellationToken.None);

        model.Spec = model.Spec with { ModelType = "llama", ModelArchitecture = "LlamaForCausalLM" };
        await generic.ReplaceNamespacedAsync(model, "default", "llama", CancellationToken.None);

        var raw = JsonSerializer.SerializeToNode(await client.CustomObjects.GetNamespacedCustomObjectAsync(
            OmeApi.Group, OmeApi.Version, "default", OmeApi.BaseModelPlural, "llama", CancellationToken.None))!;
        Assert.Equal("llama", (string?)raw["spec"]!["modelType"]);
        Assert.Equal("LlamaForCausalLM", (string?)raw["spec"]!["modelArchitecture"]);
        Assert.True((bool)raw["spec"]!["futureSpecField"]!["kept"]!);
        Assert.Equal("kept", (string?)raw["spec"]!["storage"]!["futureStorageField"]);
        Assert.Equal("hf-token", (string?)raw["spec"]!["storage"]!["key"]);
        Assert.Null(raw["spec"]!["storage"]!["storageKey"]);
    }

    [Fact]
    public async Task Cluster_base_models_list_typed_and_a_missing_storage_is_a_value_not_a_crash()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await OmeCrds.UseMinimalSchemasAsync(client); // OME's minimal CRDs keep what its full schema would prune or refuse
        var withStorage = JsonNode.Parse("""
            {"apiVersion":"ome.io/v1beta1","kind":"ClusterBaseModel","metadata":{"name":"deepseek-r1"},
             "spec":{"storage":{"storageUri":"hf://deepseek-ai/DeepSeek-R1","path":""}}}
            """)!;
        var withoutStorage = JsonNode.Parse("""
            {"apiVersion":"ome.io/v1beta1","kind":"ClusterBaseModel","metadata":{"name":"bare"},"spec":{"displayName":"no storage"}}
            """)!;
        await client.CustomObjects.CreateClusterCustomObjectAsync(withStorage, OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural);
        await client.CustomObjects.CreateClusterCustomObjectAsync(
            withoutStorage, OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural);

        var list = await client.CustomObjects.ListClusterCustomObjectAsync<OmeModelList<ClusterBaseModel>>(
            OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, cancellationToken: CancellationToken.None);

        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion)); // where a watch resumes
        var byName = list.Items.ToDictionary(m => m.Metadata.Name);
        Assert.Equal(["bare", "deepseek-r1"], byName.Keys.Order());
        Assert.Equal(ModelReference.ClusterBaseModel("deepseek-r1"), byName["deepseek-r1"].Reference);
        Assert.Equal("/mnt/models/hf:/deepseek-ai/DeepSeek-R1",
            Assert.IsType<ModelDestination.OnNode>(ModelDestination.Resolve(byName["deepseek-r1"].Spec.Storage, "/mnt/models")).Path);
        Assert.Null(byName["bare"].Spec.Storage);
        Assert.IsType<ModelDestination.Unplaceable>(ModelDestination.Resolve(byName["bare"].Spec.Storage, "/mnt/models"));
        Assert.Equal("ClusterBaseModel", byName["bare"].Kind);
    }
}
