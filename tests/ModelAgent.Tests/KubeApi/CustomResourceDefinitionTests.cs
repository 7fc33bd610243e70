using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using ModelAgent.Testing.KubeApi;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.KubeApi;

/// <summary>
/// CustomResourceDefinitions served as kube-apiserver serves them: the chart's OME CRDs applied with kubectl and the
/// official client, their kinds in discovery (and gone with the CRD), the structural schema pruning unknown fields and
/// refusing wrong types, missing required fields and values outside an enum with the apiserver's wording.
/// </summary>
public class CustomResourceDefinitionTests
{
    private const string Group = "ome.io";
    private const string Version = "v1beta1";

    private static Task<KubeApiServer> BareServerAsync() =>
        KubeApiServer.StartAsync(new KubeApiServerOptions { Namespaces = ["default", "kube-system", "ome"] });

    private static JsonObject Model(JsonObject spec, string name = "llama") => new()
    {
        ["apiVersion"] = "ome.io/v1beta1",
        ["kind"] = "BaseModel",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec,
    };

    private static JsonObject Node(object value) => JsonNode.Parse(JsonSerializer.Serialize(value))!.AsObject();

    private static string? Message(HttpOperationException refused) => (string?)JsonNode.Parse(refused.Response.Content)!["message"];

    private static async Task<JsonObject> RefusedAsync(k8s.Kubernetes client, JsonObject model, HttpStatusCode code)
    {
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(model, Group, Version, "ome", "basemodels"));
        Assert.Equal(code, refused.Response.StatusCode);
        return JsonNode.Parse(refused.Response.Content)!.AsObject();
    }

    [Fact]
    public async Task Kubectl_applies_the_charts_crds_then_gets_and_creates_basemodels()
    {
        await using var server = await BareServerAsync();
        using var kubectl = new Kubectl(server.BaseAddress);

        var before = await kubectl.RunAsync("get", "basemodels");
        Assert.NotEqual(0, before.ExitCode);
        Assert.Contains("the server doesn't have a resource type \"basemodels\"", before.Stderr);

        var applied = await kubectl.RunAsync("apply", "-f", OmeCrds.Directory);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/basemodels.ome.io created", applied.Stdout);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/clusterbasemodels.ome.io created", applied.Stdout);

        var model = kubectl.Manifest("model.yaml", """
            apiVersion: ome.io/v1beta1
            kind: BaseModel
            metadata:
              name: llama
              namespace: ome
            spec:
              storage:
                storageUri: hf://meta-llama/Llama-3.2-1B
                path: /raid/models/llama
            """);
        var created = await kubectl.RunAsync("apply", "-f", model);
        Assert.True(created.ExitCode == 0, created.ToString());
        var listed = await kubectl.RunAsync("get", "basemodels", "-n", "ome", "-o", "name");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Equal("basemodel.ome.io/llama", listed.Stdout.Trim());

        var crd = await kubectl.RunAsync("get", "crd", "basemodels.ome.io", "-o",
            "jsonpath={.status.conditions[?(@.type==\"Established\")].status}/{.status.acceptedNames.kind}");
        Assert.True(crd.ExitCode == 0, crd.ToString());
        Assert.Equal("True/BaseModel", crd.Stdout);
    }

    [Fact]
    public async Task Discovery_lists_the_crd_kinds_and_drops_them_with_their_objects_when_the_crd_is_deleted()
    {
        await using var server = await BareServerAsync();
        using var client = server.Client();
        Assert.DoesNotContain((await client.Apis.GetAPIVersionsAsync()).Groups, g => g.Name == Group);

        await OmeCrds.ApplyAsync(client);
        var group = Assert.Single((await client.Apis.GetAPIVersionsAsync()).Groups, g => g.Name == Group);
        Assert.Equal("ome.io/v1beta1", group.PreferredVersion.GroupVersion);
        var resources = (await client.CustomObjects.GetAPIResourcesAsync(Group, Version)).Resources.ToDictionary(r => r.Name);
        Assert.True(resources["basemodels"].Namespaced);
        Assert.False(resources["clusterbasemodels"].Namespaced);
        Assert.Contains("basemodels/status", resources.Keys);
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Model(new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = "hf://org/m" } }), Group, Version, "ome", "basemodels");

        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("basemodels.ome.io");
        var left = (await client.CustomObjects.GetAPIResourcesAsync(Group, Version)).Resources.Select(r => r.Name).ToList();
        Assert.DoesNotContain("basemodels", left);
        Assert.Contains("clusterbasemodels", left);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, "ome", "basemodels"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);

        // Its objects went with it: the same CRD created again serves an empty kind.
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
            KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(OmeCrds.Files[0])));
        var list = Node(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, "ome", "basemodels"));
        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task A_valid_basemodel_is_stored_with_unknown_fields_pruned_and_preserved_maps_kept()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        var spec = new JsonObject
        {
            ["storage"] = new JsonObject
            {
                ["storageUri"] = "hf://org/m", ["downloadPolicy"] = "ReuseIfExists", ["nodeSelector"] = new JsonObject { ["gpu"] = "a100" },
                ["storageKey"] = "misspelled",
            },
            ["maxTokens"] = 4096,
            ["modelConfiguration"] = new JsonObject { ["anything"] = new JsonObject { ["goes"] = 1 } },
            ["displayName"] = null,
            ["notInTheSchema"] = true,
        };
        var created = Node(await client.CustomObjects.CreateNamespacedCustomObjectAsync(Model(spec), Group, Version, "ome", "basemodels"));
        var stored = created["spec"]!.AsObject();
        Assert.Equal("ReuseIfExists", (string?)stored["storage"]!["downloadPolicy"]);
        Assert.Equal("a100", (string?)stored["storage"]!["nodeSelector"]!["gpu"]);
        Assert.False(stored["storage"]!.AsObject().ContainsKey("storageKey"));
        Assert.False(stored.ContainsKey("notInTheSchema"));
        Assert.False(stored.ContainsKey("displayName"));
        Assert.Equal(1, (int)stored["modelConfiguration"]!["anything"]!["goes"]!);
        Assert.Equal(4096, (int)stored["maxTokens"]!);
    }

    [Fact]
    public async Task Schema_violations_are_422_worded_as_the_apiserver_words_them()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();

        var wrongType = await RefusedAsync(client, Model(new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = 7 } }),
            HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Invalid", (string?)wrongType["reason"]);
        Assert.Equal("BaseModel.ome.io \"llama\" is invalid: spec.storage.storageUri: Invalid value: \"integer\": " +
            "spec.storage.storageUri in body must be of type string: \"integer\"", (string?)wrongType["message"]);
        var cause = wrongType["details"]!["causes"]![0]!;
        Assert.Equal("spec.storage.storageUri", (string?)cause["field"]);
        Assert.Equal("FieldValueTypeInvalid", (string?)cause["reason"]);

        var missing = await RefusedAsync(client, Model(new JsonObject { ["displayName"] = "Llama" }), HttpStatusCode.UnprocessableEntity);
        Assert.Equal("BaseModel.ome.io \"llama\" is invalid: spec.storage: Required value", (string?)missing["message"]);

        var notInEnum = await RefusedAsync(client,
            Model(new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = "hf://org/m", ["downloadPolicy"] = "Sometimes" } }),
            HttpStatusCode.UnprocessableEntity);
        Assert.Equal("BaseModel.ome.io \"llama\" is invalid: spec.storage.downloadPolicy: Unsupported value: \"Sometimes\": " +
            "supported values: \"AlwaysDownload\", \"ReuseIfExists\"", (string?)notInEnum["message"]);

        var several = await RefusedAsync(client,
            Model(new JsonObject { ["storage"] = new JsonObject { ["path"] = "/m" }, ["servingMode"] = new JsonArray("a", 2) }),
            HttpStatusCode.UnprocessableEntity);
        Assert.Equal("BaseModel.ome.io \"llama\" is invalid: [spec.storage.storageUri: Required value, spec.servingMode[1]: " +
            "Invalid value: \"integer\": spec.servingMode[1] in body must be of type string: \"integer\"]",
            (string?)several["message"]);
    }

    [Fact]
    public async Task Updates_and_patches_are_held_to_the_schema_and_strict_field_validation_refuses_unknown_fields()
    {
        await using var server = await KubeApiTestServer.StartAsync();
        using var client = server.Client();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Model(new JsonObject { ["storage"] = new JsonObject { ["storageUri"] = "hf://org/m" } }), Group, Version, "ome", "basemodels");

        var patch = new V1Patch("""{"spec":{"storage":{"downloadPolicy":"Never"}}}""", V1Patch.PatchType.MergePatch);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group, Version, "ome", "basemodels", "llama"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Response.StatusCode);
        Assert.Contains("spec.storage.downloadPolicy: Unsupported value: \"Never\"", Message(refused));

        var status = new V1Patch("""{"status":{"state":"Sleeping"}}""", V1Patch.PatchType.MergePatch);
        var badStatus = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(status, Group, Version, "ome", "basemodels", "llama"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badStatus.Response.StatusCode);
        Assert.Contains("status.state: Unsupported value: \"Sleeping\"", Message(badStatus));

        var unknown = new V1Patch("""{"spec":{"storage":{"storageKey":"hf-token"}}}""", V1Patch.PatchType.MergePatch);
        var strict = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.PatchNamespacedCustomObjectAsync(unknown, Group, Version, "ome", "basemodels", "llama",
                fieldValidation: "Strict"));
        Assert.Equal(HttpStatusCode.BadRequest, strict.Response.StatusCode);
        Assert.Equal("BaseModel in version \"v1beta1\" cannot be handled as a BaseModel: strict decoding error: " +
            "unknown field \"spec.storage.storageKey\"", Message(strict));

        // Without Strict the same patch succeeds and the unknown field is pruned.
        var pruned = Node(
            await client.CustomObjects.PatchNamespacedCustomObjectAsync(unknown, Group, Version, "ome", "basemodels", "llama"));
        Assert.False(pruned["spec"]!["storage"]!.AsObject().ContainsKey("storageKey"));
        Assert.Equal("hf://org/m", (string?)pruned["spec"]!["storage"]!["storageUri"]);
    }

    [Fact]
    public async Task A_crd_the_apiserver_would_refuse_is_422_and_serves_nothing()
    {
        await using var server = await BareServerAsync();
        using var client = server.Client();
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(OmeCrds.Files[0]));
        crd.Metadata.Name = "models.ome.io";
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Response.StatusCode);
        Assert.Contains("metadata.name: Invalid value: \"models.ome.io\": must be spec.names.plural+\".\"+spec.group",
            Message(refused));
        Assert.DoesNotContain((await client.Apis.GetAPIVersionsAsync()).Groups, g => g.Name == Group);
    }
}
