using System.Text.RegularExpressions;

namespace ModelAgent.Verification;

/// <summary>Which file names are weights, shard indexes and numbered shards, as Hugging Face tools name them.</summary>
internal static partial class WeightFileNames
{
    public const string Config = "config.json";
    public const string ModelIndex = "model_index.json";

    /// <summary>The weight formats the layout rules accept (docs/design.md section 2).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".safetensors", ".bin", ".pt", ".pth", ".gguf"];

    public static string ExtensionList => string.Join(", ", Extensions);

    /// <summary>
    /// True for weight files. Trainer leftovers (training_args.bin, optimizer.pt, rng_state.pth...) carry a weight
    /// extension but are not a model, so a folder holding only them has no weights.
    /// </summary>
    public static bool IsWeight(string fileName) =>
        Extensions.Any(e => fileName.EndsWith(e, StringComparison.OrdinalIgnoreCase)) && !TrainerLeftover().IsMatch(fileName);

    public static bool IsSafetensors(string fileName) => fileName.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    public static bool IsGguf(string fileName) => fileName.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A shard index: model.safetensors.index.json, pytorch_model.bin.index.json, and variants such as
    /// diffusion_pytorch_model.safetensors.index.bf16.json or model.fp16.safetensors.index.json.
    /// </summary>
    public static bool IsIndex(string fileName) => Index().IsMatch(fileName);

    /// <summary>True for a safetensors index; false for a PyTorch (.bin) one.</summary>
    public static bool IsSafetensorsIndex(string fileName) => fileName.Contains(".safetensors.index", StringComparison.OrdinalIgnoreCase);

    /// <summary>A numbered shard ("model-00003-of-00004.safetensors"), which only makes sense with an index or its siblings.</summary>
    public static bool IsNumberedShard(string fileName) => NumberedShard().IsMatch(fileName);

    /// <summary>Splits a numbered shard name into its parts: "x-", "00003", "00004", ".gguf".</summary>
    public static bool TryParseNumberedShard(string fileName, out string prefix, out string number, out string count, out string suffix)
    {
        var match = NumberedShard().Match(fileName);
        prefix = number = count = suffix = "";
        if (!match.Success) return false;
        prefix = fileName[..match.Groups["number"].Index];
        number = match.Groups["number"].Value;
        count = match.Groups["count"].Value;
        suffix = fileName[(match.Groups["count"].Index + count.Length)..];
        return true;
    }

    [GeneratedRegex(@"^(training_args\.bin|optimizer\.pt|scheduler\.pt|scaler\.pt|rng_state(_\d+)?\.pth)$", RegexOptions.IgnoreCase)]
    private static partial Regex TrainerLeftover();

    [GeneratedRegex(@"^.+\.(safetensors|bin)\.index(\.[A-Za-z0-9_-]+)?\.json$", RegexOptions.IgnoreCase)]
    private static partial Regex Index();

    [GeneratedRegex(@"(?<=[-_.])(?<number>\d+)-of-(?<count>\d+)(?=\.)", RegexOptions.IgnoreCase)]
    private static partial Regex NumberedShard();
}
