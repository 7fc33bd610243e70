using System.Text.Json;
using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// The sharded rule for one index file: it parses, its weight_map is a non-empty map of tensor name to shard file,
/// every shard it names exists inside the model directory and passes its weight-file check, and every tensor it
/// maps to a safetensors shard is in that shard's header.
/// </summary>
internal static class ShardIndexRule
{
    /// <param name="folder">The folder holding the index, relative to the model directory ("" or "transformer/").</param>
    /// <param name="named">Collects the shard names the index maps tensors to (as written in it).</param>
    public static void Inspect(ModelDirectory model, string folder, string indexFileName, Findings findings, ISet<string>? named = null)
    {
        var indexName = folder + indexFileName;
        using var document = ModelJson.Read(model.Find(indexName, indexName), findings);
        if (document is null) return;

        if (!document.RootElement.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
        {
            findings.Reason($"{indexName} has no weight_map object");
            return;
        }
        var tensorsByShard = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var tensor in weightMap.EnumerateObject())
        {
            if (tensor.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(tensor.Value.GetString()))
            {
                findings.Reason($"{indexName}: weight_map entry '{tensor.Name}' is not a file name");
                continue;
            }
            var shard = tensor.Value.GetString()!;
            named?.Add(shard);
            if (!tensorsByShard.TryGetValue(shard, out var list)) tensorsByShard[shard] = list = [];
            list.Add(tensor.Name);
        }
        if (!weightMap.EnumerateObject().Any()) findings.Reason($"{indexName} has an empty weight_map (it names no shards)");
        if (tensorsByShard.Count == 0) return;

        long shardBytes = 0;
        var allPresent = true;
        foreach (var (shard, tensors) in tensorsByShard)
        {
            var entry = model.Find(folder + shard, $"{indexName} (shard {Storage.DisplayName.Quote(shard)})");
            if (entry.Problem is not null) { findings.Reason(entry.Problem); allPresent = false; continue; }
            if (entry.Kind != EntryKind.File)
            {
                findings.Reason(entry.Kind == EntryKind.Missing
                    ? $"shard {entry.Name} missing (listed in {indexName})"
                    : $"shard {entry.Name} is a directory, expected a file (listed in {indexName})");
                allPresent = false;
                continue;
            }
            shardBytes += entry.Size;
            var headerTensors = WeightFileCheck.Inspect(entry, findings);
            if (headerTensors is not null) CheckTensorsPresent(entry.Name, indexName, tensors, headerTensors, findings);
        }

        // .bin shards have no structural check; the index's total_size (tensor bytes, always a little below the
        // sum of the files) still catches a badly truncated one.
        if (allPresent && TotalSize(document.RootElement) is { } totalSize && shardBytes < totalSize)
            findings.Reason($"the shards listed in {indexName} add up to {shardBytes} bytes, less than its total_size {totalSize}: a " +
                $"shard is truncated");
    }

    private static void CheckTensorsPresent(string shard, string indexName, List<string> expected, IReadOnlySet<string> found,
        Findings findings)
    {
        var absent = expected.Where(t => !found.Contains(t)).ToList();
        if (absent.Count == 0) return;
        var sample = string.Join(", ", absent.Take(3).Select(t => $"'{t}'"));
        var more = absent.Count > 3 ? $" and {absent.Count - 3} more" : "";
        findings.Reason($"shard {shard} lacks {absent.Count} tensor(s) that {indexName} maps to it ({sample}{more}): a shard from " +
            $"another revision?");
    }

    private static long? TotalSize(JsonElement index) =>
        index.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("total_size", out var total) && total.TryGetInt64(out var value) ? value : null;
}
