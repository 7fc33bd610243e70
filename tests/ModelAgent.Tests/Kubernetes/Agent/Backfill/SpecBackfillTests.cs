using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Agent.Backfill;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Metadata;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Tests.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Backfill;

/// <summary>
/// The spec back-fill against the project's API server through the official client, for both kinds: the first apply
/// sends one merge patch of exactly the fields OME's rules fill, an apply that changes nothing sends no request at all,
/// a field a user set is never overwritten (also when the user sets it between our read and our write), and
/// modelConfiguration is replaced whole when it differs.
/// </summary>
public sealed class SpecBackfillTests : IAsyncLifetime
{
    private const string MergePatch = "application/merge-patch+json";

    private KubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;
    private readonly CapturingLogger _log = new();
    private static readonly Lazy<ModelMetadata> Llama = new(() => Read("llama-3.2-3b-per-tensor"));
    private static readonly Lazy<ModelMetadata> Sdxl = new(() => Read("sdxl-base-1.0"));

    public async Task InitializeAsync()
    {
        _server = await KubeApiTestServer.StartAsync();
        _client = _server.Client();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static ModelMetadata Read(string fixture)
    {
        using var dir = new TempDirectory(fixture);
        RealModelFixture.Load(fixture).BuildInto(dir.Path);
        return ModelMetadataReader.Read(dir.Path).Metadata!;
    }

    private SpecBackfill Backfill() => new(_client, new LoggerFor<SpecBackfill>(_log));

    private static JsonObject ModelJson(string kind, string name, string? ns, string specExtra = "")
    {
        var metadata = ns is null ? $$"""{"name":"{{name}}"}""" : $$"""{"name":"{{name}}","namespace":"{{ns}}"}""";
        return JsonNode.Parse($$"""
            {"apiVersion":"ome.io/v1beta1","kind":"{{kind}}","metadata":{{metadata}},
             "spec":{ {{specExtra}}"storage":{"storageUri":"hf://org/{{name}}","path":"/raid/models/{{name}}"} } }
            """)!.AsObject();
    }

    private async Task<BaseModel> CreateBaseAsync(string name, string specExtra = "")
    {
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(
            ModelJson("BaseModel", name, "default", specExtra), OmeApi.Group, OmeApi.Version, "default", OmeApi.BaseModelPlural);
        return await ReadBaseAsync(name);
    }

    private async Task<BaseModel> ReadBaseAsync(string name)
    {
        using var generic = new GenericClient(_client, OmeApi.Group, OmeApi.Version, OmeApi.BaseModelPlural, disposeClient: false);
        return await generic.ReadNamespacedAsync<BaseModel>("default", name, CancellationToken.None);
    }

    private async Task<ClusterBaseModel> CreateClusterAsync(string name, string specExtra = "")
    {
        await _client.CustomObjects.CreateClusterCustomObjectAsync(
            ModelJson("ClusterBaseModel", name, null, specExtra), OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural);
        using var generic = new GenericClient(_client, OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, disposeClient: false);
        return await generic.ReadAsync<ClusterBaseModel>(name, CancellationToken.None);
    }

    private async Task<JsonNode> RawSpecAsync(ModelReference model)
    {
        var raw = model.Kind == ModelKind.ClusterBaseModel
            ? await _client.CustomObjects.GetClusterCustomObjectAsync(
                OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, model.Name)
            : await _client.CustomObjects.GetNamespacedCustomObjectAsync(
                OmeApi.Group, OmeApi.Version, model.Namespace, OmeApi.BaseModelPlural, model.Name);
        return JsonSerializer.SerializeToNode(raw)!["spec"]!;
    }

    private static JsonNode SpecConfiguration(ModelMetadata metadata) => JsonNode.Parse(ModelConfigurationJson.ForSpec(metadata))!;

    [Fact]
    public async Task The_first_apply_patches_exactly_omes_fields_and_the_second_sends_nothing()
    {
        var model = await CreateBaseAsync("llama");
        _server.Stats.Reset();

        Assert.True(await Backfill().ApplyAsync(model, Llama.Value, default));

        Assert.Equal(1, _server.Stats.PatchCount(OmeApi.BaseModelPlural, MergePatch));
        Assert.Equal(1, _server.Stats.Total);
        var spec = await RawSpecAsync(model.Reference);
        var expected = JsonNode.Parse($$"""
            {"storage":{"storageUri":"hf://org/llama","path":"/raid/models/llama"},
             "modelType":"llama","modelArchitecture":"LlamaForCausalLM","modelParameterSize":"3.57B",
             "modelFramework":{"name":"transformers","version":"4.46.0"},"modelFormat":{"name":"safetensors","version":"1.0.0"},
             "modelCapabilities":["TEXT_TO_TEXT"],"modelConfiguration":{{SpecConfiguration(Llama.Value).ToJsonString()}}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, spec), spec.ToJsonString());

        // What the watch delivers next: the patched object. Nothing changes, so nothing is sent.
        var patched = await ReadBaseAsync("llama");
        _server.Stats.Reset();
        Assert.False(await Backfill().ApplyAsync(patched, Llama.Value, default));
        Assert.Equal(0, _server.Stats.Total);
    }

    [Fact]
    public async Task A_stale_copy_is_refused_by_its_resource_version_and_the_latest_needs_nothing()
    {
        var stale = await CreateBaseAsync("llama");
        Assert.True(await Backfill().ApplyAsync(stale, Llama.Value, default));
        _server.Stats.Reset();

        Assert.False(await Backfill().ApplyAsync(stale, Llama.Value, default));

        // One patch refused with 409, one read of the latest, and no second write.
        Assert.Equal(1, _server.Stats.Count("patch", OmeApi.BaseModelPlural));
        Assert.Equal(1, _server.Stats.Count("get", OmeApi.BaseModelPlural));
        Assert.Equal(2, _server.Stats.Total);
    }

    [Fact]
    public async Task Fields_a_user_set_are_never_overwritten_even_when_set_after_our_read()
    {
        var model = await CreateClusterAsync("qwen", """
            "modelType":"custom","modelCapabilities":["CHAT"],"modelFormat":{"name":"gguf"},"quantization":"int4",
            "modelFramework":{"name":"vllm"},
            """);
        // The user sets the architecture after the agent's copy was taken.
        await _client.CustomObjects.PatchClusterCustomObjectAsync(
            new V1Patch("""{"spec":{"modelArchitecture":"UserArch"}}""", V1Patch.PatchType.MergePatch),
            OmeApi.Group, OmeApi.Version, OmeApi.ClusterBaseModelPlural, "qwen");

        Assert.True(await Backfill().ApplyAsync(model, Llama.Value, default));

        var spec = await RawSpecAsync(model.Reference);
        Assert.Equal("custom", (string?)spec["modelType"]);
        Assert.Equal("UserArch", (string?)spec["modelArchitecture"]);
        Assert.Equal(["CHAT"], spec["modelCapabilities"]!.AsArray().Select(c => (string?)c));
        Assert.Equal("""{"name":"gguf"}""", spec["modelFormat"]!.ToJsonString());
        Assert.Equal("""{"name":"vllm"}""", spec["modelFramework"]!.ToJsonString());
        Assert.Equal("int4", (string?)spec["quantization"]);
        // Only the fields nobody set were filled.
        Assert.Equal("3.57B", (string?)spec["modelParameterSize"]);
        Assert.True(JsonNode.DeepEquals(SpecConfiguration(Llama.Value), spec["modelConfiguration"]));
        Assert.Contains(_log.Lines, l => l.Contains("spec back-filled (modelParameterSize, modelConfiguration)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Model_configuration_is_replaced_whole_when_it_differs()
    {
        var model = await CreateBaseAsync("llama", """
            "modelType":"llama","modelArchitecture":"LlamaForCausalLM","modelParameterSize":"3.57B",
            "modelFramework":{"name":"transformers","version":"4.46.0"},"modelFormat":{"name":"safetensors","version":"1.0.0"},
            "modelCapabilities":["TEXT_TO_TEXT"],"modelConfiguration":{"context_length":1,"written_by_an_old_agent":true},
            """);
        _server.Stats.Reset();

        Assert.True(await Backfill().ApplyAsync(model, Llama.Value, default));

        Assert.Equal(1, _server.Stats.Total);
        var spec = await RawSpecAsync(model.Reference);
        var configuration = spec["modelConfiguration"];
        Assert.True(JsonNode.DeepEquals(SpecConfiguration(Llama.Value), configuration), configuration!.ToJsonString());
        Assert.Contains(_log.Lines, l => l.Contains("spec back-filled (modelConfiguration)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cluster_pipeline_gets_diffusers_framework_format_and_its_pipeline()
    {
        var model = await CreateClusterAsync("sdxl");

        Assert.True(await Backfill().ApplyAsync(model, Sdxl.Value, default));

        var spec = await RawSpecAsync(model.Reference);
        Assert.Equal("diffusers", (string?)spec["modelType"]);
        Assert.Equal("""{"name":"diffusers","version":"0.19.0.dev0"}""", spec["modelFramework"]!.ToJsonString());
        Assert.Equal("""{"name":"diffusers","version":"0.19.0.dev0"}""", spec["modelFormat"]!.ToJsonString());
        Assert.Equal(["TEXT_TO_IMAGE"], spec["modelCapabilities"]!.AsArray().Select(c => (string?)c));
        var pipeline = spec["diffusionPipeline"]!;
        Assert.Equal("StableDiffusionXLPipeline", (string?)pipeline["className"]);
        Assert.Equal("""{"library":"diffusers","type":"EulerDiscreteScheduler"}""", pipeline["scheduler"]!.ToJsonString());
        Assert.Equal("""{"library":"transformers","type":"CLIPTextModel"}""", pipeline["textEncoder"]!.ToJsonString());
        Assert.Equal("""{"library":"diffusers","type":"UNet2DConditionModel"}""", pipeline["transformer"]!.ToJsonString());
        Assert.Equal("""{"library":"diffusers","type":"AutoencoderKL"}""", pipeline["vae"]!.ToJsonString());
        Assert.Equal(["text_encoder_2", "tokenizer_2"], pipeline["additionalComponents"]!.AsObject().Select(p => p.Key).Order());
    }

    [Fact]
    public async Task A_refused_patch_is_logged_with_the_fix_and_nothing_is_thrown()
    {
        var model = await CreateBaseAsync("llama");
        _server.Faults.Add(new FaultRule { Resource = OmeApi.BaseModelPlural, Verb = "patch", ErrorCode = 403 });

        Assert.False(await Backfill().ApplyAsync(model, Llama.Value, default));

        Assert.Contains(_log.Lines, l => l.StartsWith("Warning:", StringComparison.Ordinal)
            && l.Contains("HTTP 403", StringComparison.Ordinal)
            && l.Contains("get and patch on basemodels.ome.io", StringComparison.Ordinal));
        Assert.Null((await RawSpecAsync(model.Reference))["modelType"]);
    }
}
