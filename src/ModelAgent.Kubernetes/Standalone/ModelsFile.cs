using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using ModelAgent.Kubernetes.Ome;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ModelAgent.Kubernetes.Standalone;

/// <summary>
/// The desired models without Kubernetes, from the YAML file <c>run --models</c> names. Each entry becomes a
/// ClusterBaseModel whose <c>spec.storage</c> holds the entry's fields (the BaseModel field names), so targeting,
/// destinations and delete rules are OME's:
/// <code>
/// models:
///   - name: llama-3-8b                      # the model's name (DNS-1123)
///     storageUri: hf://meta-llama/Meta-Llama-3-8B
///     path: /mnt/models/llama               # optional
///     key: /etc/model-agent/hf-token        # optional: a file holding the token
///     nodeSelector: {gpu: h100}             # optional, on --node-labels
/// </code>
/// Anything wrong (not YAML, no <c>models:</c>, an unknown field, a bad name, a URI the agent cannot place) refuses the
/// whole file with the line and the fix: the caller keeps its last good models, so a typo never deletes anything.
/// </summary>
internal sealed partial record ModelsFile(IReadOnlyList<ClusterBaseModel> Models)
{
    /// <summary>A models file larger than this is refused (a list of models is a few KB).</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly string[] Fields =
        ["name", "storageUri", "path", "key", "schemaPath", "parameters", "nodeSelector", "nodeAffinity", "downloadPolicy"];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex Dns1123();

    public static bool TryParse(string text, string modelsRoot, [NotNullWhen(true)] out ModelsFile? file,
        [NotNullWhen(false)] out string? error)
    {
        file = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
                return Fail("expected one YAML document with 'models:' at the top (write 'models: []' for no models)", out error);
            YamlNode? list = null;
            foreach (var (key, value) in root.Children)
            {
                if (Scalar(key) != "models")
                    return Fail(At(key, $"unknown top-level field '{Scalar(key)}': only 'models' is read"), out error);
                list = value;
            }
            if (list is null) return Fail("no 'models:' list (write 'models: []' for no models)", out error);
            if (list is YamlScalarNode { Value: null or "" } || list is YamlScalarNode { Value: "[]" }) list = new YamlSequenceNode();
            if (list is not YamlSequenceNode sequence)
                return Fail(At(list, "'models' must be a list of entries ('- name: ...')"), out error);

            var models = new List<ClusterBaseModel>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in sequence)
            {
                if (!TryEntry(item, modelsRoot, out var model, out error)) return false;
                if (!names.Add(model.Metadata.Name)) return Fail(At(item, $"model '{model.Metadata.Name}' is listed twice"), out error);
                models.Add(model);
            }
            file = new ModelsFile(models);
            error = null;
            return true;
        }
        catch (YamlException e)
        {
            return Fail($"line {e.Start.Line}, column {e.Start.Column}: not valid YAML: {e.InnerException?.Message ?? e.Message}",
                out error);
        }
    }

    private static bool TryEntry(YamlNode item, string modelsRoot, [NotNullWhen(true)] out ClusterBaseModel? model,
        [NotNullWhen(false)] out string? error)
    {
        model = null;
        if (item is not YamlMappingNode entry) return Fail(At(item, "an entry must be a mapping ('- name: ...')"), out error);
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in entry.Children)
        {
            var key = Scalar(keyNode) ?? "";
            if (!Fields.Contains(key))
                return Fail(At(keyNode, $"unknown field '{key}' (known: {string.Join(", ", Fields)})"), out error);
            values[key] = value;
        }
        string? Text(string field) => values.TryGetValue(field, out var node) ? Scalar(node) : null;

        var name = Text("name");
        if (string.IsNullOrEmpty(name)) return Fail(At(entry, "an entry has no 'name'"), out error);
        if (!Dns1123().IsMatch(name))
            return Fail(At(values["name"], $"name '{name}' is not a DNS-1123 name (lower-case letters, digits, '-' and '.')"), out error);
        if (string.IsNullOrEmpty(Text("storageUri")))
            return Fail(At(entry, $"model '{name}' has no 'storageUri' (e.g. hf://ORG/REPO)"), out error);
        if (Text("key") is { } keyFile && !Path.IsPathFullyQualified(keyFile))
            return Fail(At(values["key"], $"model '{name}': key '{keyFile}' must be the absolute path of a file holding the token"),
                out error);
        if (Text("downloadPolicy") is { } policy && policy is not (StorageSpec.AlwaysDownload or StorageSpec.ReuseIfExists))
            return Fail(At(values["downloadPolicy"],
                $"model '{name}': downloadPolicy '{policy}' is not {StorageSpec.AlwaysDownload} or {StorageSpec.ReuseIfExists}"),
                out error);
        if (!TryMap(values, "nodeSelector", name, out var selector, out error)) return false;
        if (!TryMap(values, "parameters", name, out var parameters, out error)) return false;
        V1NodeAffinity? affinity = null;
        if (values.TryGetValue("nodeAffinity", out var affinityNode))
        {
            try
            {
                affinity = KubernetesJson.Deserialize<V1NodeAffinity>(Json(affinityNode)!.ToJsonString());
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException)
            {
                return Fail(At(affinityNode, $"model '{name}': nodeAffinity is not a Kubernetes NodeAffinity: {e.Message}"), out error);
            }
        }
        var storage = new StorageSpec
        {
            StorageUri = Text("storageUri"),
            // No path: "" is OME's rule, the models root then the URI (a null path is refused as OME refuses it).
            Path = Text("path") ?? "",
            Key = Text("key"),
            SchemaPath = Text("schemaPath"),
            DownloadPolicy = Text("downloadPolicy"),
            NodeSelector = selector,
            Parameters = parameters,
            NodeAffinity = affinity,
        };
        if (ModelDestination.Resolve(storage, modelsRoot) is ModelDestination.Unplaceable unplaceable)
            return Fail(At(entry, $"model '{name}': {unplaceable.Reason}"), out error);
        model = new ClusterBaseModel { Metadata = new V1ObjectMeta { Name = name }, Spec = new BaseModelSpec { Storage = storage } };
        error = null;
        return true;
    }

    private static bool TryMap(Dictionary<string, YamlNode> values, string field, string name,
        out IReadOnlyDictionary<string, string>? map, [NotNullWhen(false)] out string? error)
    {
        map = null;
        error = null;
        if (!values.TryGetValue(field, out var node)) return true;
        if (node is not YamlMappingNode mapping)
            return Fail(At(node, $"model '{name}': {field} must be a mapping of strings ({{gpu: h100}})"), out error);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            if (Scalar(key) is not { } k || Scalar(value) is not { } v)
                return Fail(At(key, $"model '{name}': {field} must map strings to strings"), out error);
            result[k] = v;
        }
        map = result;
        return true;
    }

    private static JsonNode? Json(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c =>
            KeyValuePair.Create(Scalar(c.Key) ?? "", Json(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Json)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var text } when long.TryParse(text, out var number) => JsonValue.Create(number),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } scalar => JsonValue.Create(scalar.Value == "true"),
        YamlScalarNode scalar => scalar.Value is null ? null : JsonValue.Create(scalar.Value),
        _ => null,
    };

    private static string? Scalar(YamlNode node) => node is YamlScalarNode { Value: var value } ? value : null;

    private static string At(YamlNode node, string message) => $"line {node.Start.Line}: {message}";

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
