using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelAgent.Completion;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>Every layout the completeness check knows; each generated model has one.</summary>
public enum LayoutKind
{
    ShardedSafetensors, ShardedBin, BothIndexes, Diffusers, SingleFile, GgufSingle, GgufSplit,
    /// <summary>A pipeline with a checkpoint's index at its root too: both declarations must hold.</summary>
    DiffusersWithRootIndex,
    /// <summary>A sharded checkpoint with a GGUF split beside it: the index and every split part.</summary>
    GgufSplitBesideIndex,
}

/// <summary>What kind of file a declared file is, which decides what the structural check can see in it.</summary>
public enum DeclaredKind { Safetensors, Bin, Gguf, Json }

/// <summary>
/// A file some declaration names (an index's shard, a required config, a component's weights, a split part).
/// <paramref name="HeaderEnd"/> is 8 + header length for safetensors; <paramref name="NamedByIndex"/> says whether an
/// index maps tensors to it (then a shard from another model is told apart by its tensor names).
/// </summary>
public sealed record DeclaredFile(string Path, DeclaredKind Kind, long HeaderEnd, bool NamedByIndex, bool InBinIndex);

/// <summary>The shape of one generated model: a layout, shard count, tensor sizes, a content seed, and whether a pull's record is
/// written.</summary>
public sealed record ModelSpec(LayoutKind Layout, int Shards, int TensorBytes, int ContentSeed, bool WithRecord)
{
    public override string ToString() => $"{Layout} shards={Shards} tensorBytes={TensorBytes} seed={ContentSeed} record={WithRecord}";
}

/// <summary>
/// Writes a <see cref="ModelSpec"/> as real files (random tensor bytes, not sparse, so zeroing them is a change),
/// and, when asked, the completion record a pull would write (sha256 of every file).
/// </summary>
public sealed class GeneratedModel
{
    /// <summary>Slack between a .bin index's total_size and the sum of its shards (pickle overhead, as in real indexes).</summary>
    public const int BinSlackPerShard = 16;

    private static readonly (string Dtype, int Bytes)[] Dtypes = [("F32", 4), ("F16", 2), ("BF16", 2), ("U8", 1), ("I64", 8)];

    private readonly List<DeclaredFile> _declared = [];
    private readonly Random _random;

    private GeneratedModel(string root, ModelSpec spec)
    {
        Root = root;
        Spec = spec;
        _random = new Random(spec.ContentSeed);
    }

    public string Root { get; }
    public ModelSpec Spec { get; }
    public IReadOnlyList<DeclaredFile> Declared => _declared;
    public long BinTotalSize { get; private set; }

    public static async Task<GeneratedModel> WriteAsync(string root, ModelSpec spec)
    {
        var model = new GeneratedModel(root, spec);
        model.Write();
        if (spec.WithRecord) await model.WriteRecordAsync();
        return model;
    }

    private void Write()
    {
        Directory.CreateDirectory(Root);
        switch (Spec.Layout)
        {
            case LayoutKind.ShardedSafetensors: ShardedSafetensors(""); Json("config.json", """{"model_type":"llama"}"""); break;
            case LayoutKind.ShardedBin: ShardedBin(""); Json("config.json", """{"model_type":"llama"}"""); break;
            case LayoutKind.BothIndexes: ShardedSafetensors(""); ShardedBin(""); Json("config.json", """{"model_type":"llama"}"""); break;
            case LayoutKind.SingleFile:
                Safetensors("model.safetensors", Tensors("w", 2), namedByIndex: false); Json("config.json",
                """{"model_type":"bert"}"""); break;
            case LayoutKind.GgufSingle: Gguf("model.Q4_K_M.gguf"); break;
            case LayoutKind.GgufSplit:
                for (var i = 1; i <= Spec.Shards; i++) Gguf($"model-Q8_0-{i:D5}-of-{Spec.Shards:D5}.gguf");
                break;
            case LayoutKind.DiffusersWithRootIndex:
                DiffusersPipeline();
                ShardedSafetensors("");
                break;
            case LayoutKind.GgufSplitBesideIndex:
                ShardedSafetensors("");
                Json("config.json", """{"model_type":"llama"}""");
                // At least two parts: a lone "-00001-of-00001" part declares nothing beyond itself, so beside a complete
                // safetensors model its loss is invisible (seed fKPjgbwktNg2), and this layout is about splits.
                var splitParts = Math.Max(2, Spec.Shards);
                for (var i = 1; i <= splitParts; i++) Gguf($"model-Q8_0-{i:D5}-of-{splitParts:D5}.gguf");
                break;
            case LayoutKind.Diffusers: DiffusersPipeline(); break;
        }
    }

    private void DiffusersPipeline()
    {
        Json("model_index.json",
            """{"_class_name":"StableDiffusionPipeline","scheduler":["diffusers","PNDMScheduler"],"text_encoder":"""
                + """["transformers","CLIPTextModel"],"unet":["diffusers","UNet2DConditionModel"],"safety_checker":[null,null]}""");
        // model_index.json declares the scheduler folder, not this file's content: it is not a declared file.
        File.WriteAllText(Full("scheduler/scheduler_config.json"), """{"_class_name":"PNDMScheduler"}""");
        Json("unet/config.json", """{"_class_name":"UNet2DConditionModel"}""");
        Safetensors("unet/diffusion_pytorch_model.safetensors", Tensors("unet", 2), namedByIndex: false);
        Json("text_encoder/config.json", """{"model_type":"clip"}""");
        ShardedSafetensors("text_encoder/");
    }

    private List<(string Name, string Dtype, long[] Shape, byte[] Data)> Tensors(string prefix, int count)
    {
        var tensors = new List<(string, string, long[], byte[])>();
        for (var t = 0; t < count; t++)
        {
            var (dtype, size) = Dtypes[_random.Next(Dtypes.Length)];
            var elements = Math.Max(1, Spec.TensorBytes / size);
            var data = new byte[elements * size];
            _random.NextBytes(data);
            // Names carry the content seed, so a shard swapped in from another model lacks this model's tensors.
            tensors.Add(($"m{Spec.ContentSeed}.{prefix}.{t}", dtype, [elements], data));
        }
        return tensors;
    }

    private void ShardedSafetensors(string folder)
    {
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (var i = 1; i <= Spec.Shards; i++)
        {
            var shard = $"model-{i:D5}-of-{Spec.Shards:D5}.safetensors";
            var tensors = Tensors($"layers.{i}", 2);
            foreach (var t in tensors) { weightMap[t.Name] = shard; total += t.Data.Length; }
            Safetensors(folder + shard, tensors, namedByIndex: true);
        }
        Json(folder + "model.safetensors.index.json",
            JsonSerializer.Serialize(new { metadata = new { total_size = total }, weight_map = weightMap }));
    }

    private void ShardedBin(string folder)
    {
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (var i = 1; i <= Spec.Shards; i++)
        {
            var shard = $"pytorch_model-{i:D5}-of-{Spec.Shards:D5}.bin";
            var bytes = new byte[BinSlackPerShard + Spec.TensorBytes * 2];
            _random.NextBytes(bytes);
            bytes[0] = 0x50; // "PK": a zip, as torch.save writes; never an LFS pointer
            File.WriteAllBytes(Full(folder + shard), bytes);
            weightMap[$"m{Spec.ContentSeed}.bin.{i}"] = shard;
            total += bytes.Length - BinSlackPerShard;
            _declared.Add(new DeclaredFile(folder + shard, DeclaredKind.Bin, 0, NamedByIndex: true, InBinIndex: true));
        }
        BinTotalSize = total;
        Json(folder + "pytorch_model.bin.index.json",
            JsonSerializer.Serialize(new { metadata = new { total_size = total }, weight_map = weightMap }));
    }

    private void Safetensors(string path, List<(string Name, string Dtype, long[] Shape, byte[] Data)> tensors, bool namedByIndex)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, dtype, shape, data) in tensors)
        {
            header.Append(
                $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{shape[0]}],\"data_offsets\":[{offset},{offset + data.Length}]}},");
            offset += data.Length;
        }
        header.Append("\"__metadata__\":{\"format\":\"pt\"}}");
        var json = Encoding.UTF8.GetBytes(header.ToString());
        using var stream = new FileStream(Full(path), FileMode.Create);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        stream.Write(json);
        foreach (var tensor in tensors) stream.Write(tensor.Data);
        _declared.Add(new DeclaredFile(path, DeclaredKind.Safetensors, 8 + json.Length, namedByIndex, InBinIndex: false));
    }

    private void Gguf(string path)
    {
        var bytes = new byte[64 + Spec.TensorBytes];
        _random.NextBytes(bytes);
        "GGUF"u8.CopyTo(bytes);
        File.WriteAllBytes(Full(path), bytes);
        _declared.Add(new DeclaredFile(path, DeclaredKind.Gguf, 4, NamedByIndex: false, InBinIndex: false));
    }

    private void Json(string path, string json)
    {
        File.WriteAllText(Full(path), json);
        _declared.Add(new DeclaredFile(path, DeclaredKind.Json, 0, NamedByIndex: false, InBinIndex: false));
    }

    public string Full(string relative)
    {
        var full = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>The record a pull writes: every file with its size and sha256.</summary>
    private async Task WriteRecordAsync()
    {
        var files = new List<RecordedFile>();
        foreach (var file in Directory.GetFiles(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            files.Add(new RecordedFile(Path.GetRelativePath(Root, file), bytes.Length, "sha256:"
                + Convert.ToHexStringLower(SHA256.HashData(bytes))));
        }
        await CompletionRecordStore.WriteAsync(Root, new CompletionRecord
        {
            FormatVersion = CompletionRecord.CurrentFormatVersion,
            Source = "hf://org/generated@main",
            Revision = "0123456789abcdef0123456789abcdef01234567",
            Files = files,
            WrittenBy = new RecordWriter("model-agent pull", "property-test", DateTimeOffset.UnixEpoch),
        }, CancellationToken.None);
    }
}
