using System.Buffers.Binary;
using System.Text.Json;
using ModelAgent.Storage;
using ModelAgent.Verification;

namespace ModelAgent.Metadata;

/// <summary>
/// The exact parameter count of the weights in one folder, from safetensors headers only (never the weights):
/// the shards a <c>model.safetensors.index.json</c> maps tensors to, else every <c>*.safetensors</c> in the
/// folder. Each tensor counts the product of its shape. Any shard that cannot be read makes the whole count
/// unknown (as in OME), and the caller falls back to an estimate.
/// </summary>
internal static class SafetensorsParameterCount
{
    /// <summary>OME reads headers up to 10 MiB; real ones are at most a few hundred kilobytes.</summary>
    public const int MaxHeaderBytes = 10 << 20;

    /// <summary>
    /// The index names looked for, in order. OME knows only the first; diffusers components name theirs after
    /// <c>diffusion_pytorch_model</c>, and without it their variant shards (<c>.bf16-00001-of-00003</c>) would be
    /// added to the default ones.
    /// </summary>
    private static readonly string[] IndexNames = ["model.safetensors.index.json", "diffusion_pytorch_model.safetensors.index.json"];

    /// <summary>The count, or null with a reason; <paramref name="folder"/> is relative to the model ("" for its root).</summary>
    public static long? Count(ModelDirectory directory, string folder, List<string> reasons, CancellationToken cancellationToken)
    {
        foreach (var indexName in IndexNames)
        {
            var indexPath = Join(folder, indexName);
            var entry = directory.Find(indexPath, "metadata");
            if (entry.Kind == EntryKind.Missing && entry.Problem is null) continue;
            return CountIndexed(directory, folder, indexPath, reasons, cancellationToken);
        }

        var files = SafetensorsFiles(directory, folder, reasons);
        if (files is null) return null;
        if (files.Count == 0) { reasons.Add($"no .safetensors file in {Shown(folder)}"); return null; }
        return Sum(directory, files, reasons, cancellationToken);
    }

    private static long? CountIndexed(
        ModelDirectory directory, string folder, string indexPath, List<string> reasons, CancellationToken cancellationToken)
    {
        using var index = MetadataJsonFile.Read(directory, indexPath, reasons);
        if (index is null) return null;
        if (!index.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
        {
            reasons.Add($"{indexPath} has no weight_map object");
            return null;
        }
        var shards = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tensor in map.EnumerateObject())
        {
            if (tensor.Value.ValueKind != JsonValueKind.String)
            {
                reasons.Add($"{indexPath}: tensor '{tensor.Name}' maps to a non-string");
                return null;
            }
            shards.Add(Join(folder, tensor.Value.GetString()!));
        }
        if (shards.Count == 0) { reasons.Add($"{indexPath} maps no tensor to a shard"); return null; }
        return Sum(directory, [.. shards], reasons, cancellationToken);
    }

    /// <summary>
    /// Every <c>*.safetensors</c> directly in the folder, except a variant (<c>name.fp16.safetensors</c>) whose
    /// default file (<c>name.safetensors</c>) is there too. OME adds both, doubling a diffusers component's count.
    /// </summary>
    private static List<string>? SafetensorsFiles(ModelDirectory directory, string folder, List<string> reasons)
    {
        var entry = folder.Length == 0 ? null : directory.Find(folder, "metadata");
        if (entry is not null && (entry.Problem is not null || entry.Kind != EntryKind.Directory))
        {
            reasons.Add(entry.Problem ?? $"{folder} is not a directory");
            return null;
        }
        string[] names;
        try
        {
            names = [.. new DirectoryInfo(Path.Combine(directory.Root, folder)).EnumerateFiles("*.safetensors")
                .Select(f => f.Name).Where(n => n.EndsWith(".safetensors", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reasons.Add($"cannot list {Shown(folder)}: {e.Message}");
            return null;
        }
        var present = names.ToHashSet(StringComparer.Ordinal);
        return [.. names.Where(n => !IsVariantOfPresent(n, present)).Select(n => Join(folder, n))];
    }

    private static bool IsVariantOfPresent(string name, HashSet<string> present)
    {
        var stem = name[..^".safetensors".Length];
        var dot = stem.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && present.Contains(stem[..dot] + ".safetensors");
    }

    private static long? Sum(
        ModelDirectory directory, IReadOnlyList<string> files, List<string> reasons, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = CountFile(directory, file, reasons);
            if (count is null) return null;
            try { total = checked(total + count.Value); }
            catch (OverflowException) { reasons.Add($"the parameter counts of the shards add up past 2^63 at {file}"); return null; }
        }
        return total;
    }

    /// <summary>The element count of one file's tensors, reading its header only.</summary>
    public static long? CountFile(ModelDirectory directory, string name, List<string> reasons)
    {
        var entry = directory.Find(name, "a safetensors index");
        if (entry.Problem is not null) { reasons.Add(entry.Problem); return null; }
        if (entry.Kind != EntryKind.File)
        {
            reasons.Add($"{name} is {(entry.Kind == EntryKind.Missing ? "missing" : "not a file")}");
            return null;
        }
        if (RegularFile.Refusal(entry.FullPath) is { } refusal) { reasons.Add($"{name} {refusal}"); return null; }
        try
        {
            using var handle = File.OpenHandle(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var size = RandomAccess.GetLength(handle);
            Span<byte> prefix = stackalloc byte[8];
            if (size < 8 || RandomAccess.Read(handle, prefix, 0) < 8)
            {
                reasons.Add($"{name} is too short for a safetensors header");
                return null;
            }
            var length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (length > MaxHeaderBytes || length > (ulong)(size - 8))
            {
                reasons.Add($"{name} declares a {length}-byte header (limit {MaxHeaderBytes}, file {size} bytes)");
                return null;
            }
            var header = new byte[(int)length];
            var read = 0;
            while (read < header.Length)
            {
                var n = RandomAccess.Read(handle, header.AsSpan(read), 8 + read);
                if (n == 0) break;
                read += n;
            }
            if (read < header.Length) { reasons.Add($"{name}: header could not be read in full"); return null; }
            return CountHeader(header, name, reasons);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reasons.Add($"cannot read {name}: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Sums the shapes of a header. <c>__metadata__</c> is skipped; OME decodes it as a tensor with no shape and
    /// counts it as one parameter per file, which we do not copy (it only ever shows as 7.00B instead of 7B).
    /// </summary>
    internal static long? CountHeader(byte[] header, string name, List<string> reasons)
    {
        using var document = MetadataJsonFile.Parse(header, $"{name} header", reasons);
        if (document is null) return null;
        long total = 0;
        try
        {
            foreach (var tensor in document.RootElement.EnumerateObject())
            {
                if (tensor.Name == "__metadata__") continue;
                if (tensor.Value.ValueKind != JsonValueKind.Object || !tensor.Value.TryGetProperty("shape", out var shape)
                    || shape.ValueKind != JsonValueKind.Array)
                {
                    reasons.Add($"{name}: tensor '{tensor.Name}' has no shape list");
                    return null;
                }
                long elements = 1;
                foreach (var dimension in shape.EnumerateArray())
                {
                    if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var d) || d < 0)
                    {
                        reasons.Add($"{name}: tensor '{tensor.Name}' has an invalid shape");
                        return null;
                    }
                    elements = checked(elements * d);
                }
                total = checked(total + elements);
            }
        }
        catch (OverflowException)
        {
            reasons.Add($"{name}: tensor shapes multiply past 2^63; not a real model");
            return null;
        }
        return total;
    }

    private static string Join(string folder, string name) => folder.Length == 0 ? name : folder + "/" + name;

    private static string Shown(string folder) => folder.Length == 0 ? "the model directory" : folder;
}
