using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Protobuf;

/// <summary>
/// Turns a <c>application/vnd.kubernetes.protobuf</c> request body into JSON for the kinds kubectl's typed
/// commands send that way here: <c>kubectl create namespace|configmap|secret</c>. Other kinds are refused with
/// 415 and a message saying to send JSON; kubectl apply/patch/replace send JSON anyway.
/// </summary>
internal static class KubeProtobufDecoder
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>The object as JSON, or the reason it cannot be decoded.</summary>
    public static (JsonObject? Object, string? Error) Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic)) return (null, "protobuf body does not start with the Kubernetes envelope magic 'k8s\\0'");
        try
        {
            string apiVersion = "", kind = "";
            var raw = ReadOnlySpan<byte>.Empty;
            var envelope = new ProtobufReader(body[Magic.Length..]);
            while (!envelope.AtEnd)
            {
                var (field, wire) = envelope.ReadTag();
                if (field == 1 && wire == 2)
                {
                    var typeMeta = new ProtobufReader(envelope.ReadBytes());
                    while (!typeMeta.AtEnd)
                    {
                        var (f, w) = typeMeta.ReadTag();
                        if (f == 1 && w == 2) apiVersion = typeMeta.ReadString();
                        else if (f == 2 && w == 2) kind = typeMeta.ReadString();
                        else typeMeta.Skip(w);
                    }
                }
                else if (field == 2 && wire == 2) raw = envelope.ReadBytes();
                else envelope.Skip(wire);
            }
            var obj = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion };
            return (apiVersion, kind) switch
            {
                ("v1", "Namespace") => (Namespace(obj, raw), null),
                ("v1", "ConfigMap") => (ConfigMap(obj, raw), null),
                ("v1", "Secret") => (Secret(obj, raw), null),
                _ => (null,
                    $"this test API server decodes protobuf only for v1 Namespace, ConfigMap and Secret, not {apiVersion} {kind}; send " +
                    $"application/json"),
            };
        }
        catch (FormatException e)
        {
            return (null, $"malformed protobuf body: {e.Message}");
        }
    }

    private static JsonObject Namespace(JsonObject obj, ReadOnlySpan<byte> raw)
    {
        var reader = new ProtobufReader(raw);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 2) obj["metadata"] = ObjectMeta(reader.ReadBytes());
            else reader.Skip(wire);
        }
        return obj;
    }

    private static JsonObject ConfigMap(JsonObject obj, ReadOnlySpan<byte> raw)
    {
        var reader = new ProtobufReader(raw);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 2): obj["metadata"] = ObjectMeta(reader.ReadBytes()); break;
                case (2, 2): MapEntry(obj, "data", reader.ReadBytes(), base64: false); break;
                case (3, 2): MapEntry(obj, "binaryData", reader.ReadBytes(), base64: true); break;
                case (4, 0): obj["immutable"] = reader.ReadVarint() != 0; break;
                default: reader.Skip(wire); break;
            }
        }
        return obj;
    }

    private static JsonObject Secret(JsonObject obj, ReadOnlySpan<byte> raw)
    {
        var reader = new ProtobufReader(raw);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 2): obj["metadata"] = ObjectMeta(reader.ReadBytes()); break;
                case (2, 2): MapEntry(obj, "data", reader.ReadBytes(), base64: true); break;
                case (3, 2): obj["type"] = reader.ReadString(); break;
                case (4, 2): MapEntry(obj, "stringData", reader.ReadBytes(), base64: false); break;
                case (5, 0): obj["immutable"] = reader.ReadVarint() != 0; break;
                default: reader.Skip(wire); break;
            }
        }
        return obj;
    }

    /// <summary>The ObjectMeta fields a client sets on create: name, generateName, namespace, labels, annotations, finalizers.</summary>
    private static JsonObject ObjectMeta(ReadOnlySpan<byte> raw)
    {
        var meta = new JsonObject();
        var reader = new ProtobufReader(raw);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 2): meta["name"] = reader.ReadString(); break;
                case (2, 2): meta["generateName"] = reader.ReadString(); break;
                case (3, 2): meta["namespace"] = reader.ReadString(); break;
                case (6, 2): meta["resourceVersion"] = reader.ReadString(); break;
                case (11, 2): MapEntry(meta, "labels", reader.ReadBytes(), base64: false); break;
                case (12, 2): MapEntry(meta, "annotations", reader.ReadBytes(), base64: false); break;
                case (14, 2):
                    var list = meta["finalizers"] as JsonArray ?? (JsonArray)(meta["finalizers"] = new JsonArray());
                    list.Add(reader.ReadString());
                    break;
                default: reader.Skip(wire); break;
            }
        }
        // Empty strings are protobuf's "unset"; JSON clients would have omitted them.
        foreach (var key in meta.Where(p => Text(p.Value) == "").Select(p => p.Key).ToList()) meta.Remove(key);
        return meta;
    }

    /// <summary>One map&lt;string, string|bytes&gt; entry (key = field 1, value = field 2), added to obj[field].</summary>
    private static void MapEntry(JsonObject obj, string field, ReadOnlySpan<byte> entry, bool base64)
    {
        string key = "", value = "";
        var reader = new ProtobufReader(entry);
        while (!reader.AtEnd)
        {
            var (f, w) = reader.ReadTag();
            if (f == 1 && w == 2) key = reader.ReadString();
            else if (f == 2 && w == 2) value = base64 ? Convert.ToBase64String(reader.ReadBytes()) : reader.ReadString();
            else reader.Skip(w);
        }
        var map = obj[field] as JsonObject ?? (JsonObject)(obj[field] = new JsonObject());
        map[key] = value;
    }
}
