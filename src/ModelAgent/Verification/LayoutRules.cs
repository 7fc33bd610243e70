using ModelAgent.Storage;
using static ModelAgent.Verification.WeightFileNames;

namespace ModelAgent.Verification;

/// <summary>
/// The layout rules of DESIGN.md section 2, for directories without a completion record: which layout the
/// directory has (diffusers, sharded, single file, GGUF), and every reason it is not a complete one.
/// </summary>
internal sealed class LayoutRules(ModelDirectory model, Findings findings)
{
    public ModelDirectory Model => model;

    /// <summary>Inspects the model directory itself; returns the layout name.</summary>
    public string InspectRoot()
    {
        var listing = FolderListing.Read(model.Root, "the model directory", findings);
        if (listing is null) return Layouts.None;
        if (listing.Names.Count == 0)
        {
            findings.Reason("the model directory is empty");
            return Layouts.None;
        }
        if (listing.Contains(ModelIndex))
        {
            DiffusersRule.Inspect(this, findings);
            return Layouts.Diffusers;
        }
        return InspectModelFolder(listing, folder: "", component: null, library: "transformers");
    }

    /// <summary>Inspects one component folder named by model_index.json.</summary>
    public void InspectComponent(string key, string library)
    {
        if (!ModelRelativePath.TryCreate(key, out var name, out var problem) || key.Contains('/'))
        {
            findings.Reason($"{ModelIndex}: component key '{key}' is not a safe folder name ({problem ?? "it contains '/'"}); not opened");
            return;
        }
        var entry = model.Find(name!);
        if (entry.Problem is not null) { findings.Reason(entry.Problem); return; }
        switch (entry.Kind)
        {
            case EntryKind.Missing:
                findings.Reason($"component '{key}' missing: no folder '{key}/' (listed in {ModelIndex})");
                return;
            case EntryKind.File:
                findings.Reason($"component '{key}' is a file, expected a folder '{key}/' (listed in {ModelIndex})");
                return;
        }
        var listing = FolderListing.Read(entry.FullPath, $"'{key}/'", findings);
        if (listing is null) return;
        if (listing.Names.Count == 0)
        {
            findings.Reason($"component '{key}' folder '{key}/' is empty");
            return;
        }
        InspectModelFolder(listing, key + "/", key, library);
    }

    /// <summary>
    /// One folder that may hold a model: the root, or a component. With an index it is sharded; with weight files
    /// it is a single-file (or GGUF) model; a component with neither (scheduler, tokenizer) only has to be non-empty.
    /// </summary>
    private string InspectModelFolder(FolderListing listing, string folder, string? component, string library)
    {
        var display = component is null ? "the model directory" : $"component '{component}'";
        var indexes = listing.Where(IsIndex).ToList();
        if (indexes.Count > 0)
        {
            RequireConfig(folder, $"a sharded model needs it next to {indexes[0]}");
            var relied = indexes.Where(IsSafetensorsIndex).ToList();
            if (relied.Count == 0) relied = indexes;
            foreach (var skipped in indexes.Except(relied))
                findings.Note($"{folder}{skipped} not checked: the safetensors index takes precedence");
            foreach (var index in relied) ShardIndexRule.Inspect(model, folder, index, findings);
            return Layouts.Sharded;
        }

        var weights = listing.Where(IsWeight).Select(w => model.Find(folder + w, folder + w))
            .Where(e => e.Problem is not null || e.Kind == EntryKind.File).ToList();
        if (weights.Count > 0) return InspectWeights(listing, folder, component, display, weights);

        if (listing.Contains(Config))
        {
            RequireConfig(folder, "");
            findings.Reason($"{display} has {folder}{Config} but no weights: no shard index and no weight file ({ExtensionList}), e.g. {ConventionalWeights(folder, library)}");
            return component is null ? Layouts.None : Layouts.SingleFile;
        }
        if (component is null)
            findings.Reason($"no model found in the model directory: no completion record, {ModelIndex}, shard index, {Config} or weight file ({ExtensionList})");
        return Layouts.None;
    }

    private string InspectWeights(FolderListing listing, string folder, string? component, string display, List<ModelEntry> weights)
    {
        foreach (var problem in weights.Where(w => w.Problem is not null)) findings.Reason(problem.Problem!);
        var files = weights.Where(w => w.Problem is null).ToList();
        var numbered = files.Where(w => IsNumberedShard(w.Name) && !IsGguf(w.Name)).ToList();
        if (numbered.Count > 0)
        {
            var more = numbered.Count > 1 ? $" and {numbered.Count - 1} more" : "";
            findings.Reason($"{numbered[0].Name}{more} look like shards, but {ExpectedIndex(numbered[0].Name)} is missing (no shard index in {display})");
            if (listing.Contains(Config)) RequireConfig(folder, "");
            return Layouts.Sharded;
        }

        var ggufOnly = component is null && files.Count > 0 && files.All(w => IsGguf(w.Name));
        if (!ggufOnly) RequireConfig(folder, $"a single-file model needs it next to {files.FirstOrDefault()?.Name ?? "its weights"}");
        else if (listing.Contains(Config)) RequireConfig(folder, "");
        foreach (var weight in files) WeightFileCheck.Inspect(weight, findings);
        if (ggufOnly) GgufSplits.Inspect(files.Select(f => f.Name), findings);
        return ggufOnly ? Layouts.Gguf : Layouts.SingleFile;
    }

    /// <summary>
    /// The index a numbered shard belongs with: "x/model-00001-of-00002.safetensors" → "x/model.safetensors.index.json",
    /// "diffusion_pytorch_model.bf16-00001-of-00003.safetensors" → "diffusion_pytorch_model.safetensors.index.bf16.json".
    /// </summary>
    private static string ExpectedIndex(string shard)
    {
        TryParseNumberedShard(shard, out var prefix, out _, out _, out var suffix);
        var stem = prefix.TrimEnd('-', '_', '.');
        var folderEnd = stem.LastIndexOf('/') + 1;
        var variantDot = stem.IndexOf('.', folderEnd);
        return variantDot < 0
            ? $"{stem}{suffix}.index.json"
            : $"{stem[..variantDot]}{suffix}.index{stem[variantDot..]}.json";
    }

    /// <summary>The names the libraries save single-file weights under, to tell a person what to look for.</summary>
    private static string ConventionalWeights(string folder, string library) => library == "transformers"
        ? $"{folder}model.safetensors or {folder}pytorch_model.bin"
        : $"{folder}diffusion_pytorch_model.safetensors or {folder}diffusion_pytorch_model.bin";

    private void RequireConfig(string folder, string why)
    {
        var name = folder + Config;
        var entry = model.Find(name, name);
        if (entry.IsMissing)
        {
            findings.Reason(why.Length == 0 ? $"{name} missing" : $"{name} missing ({why})");
            return;
        }
        ModelJson.Read(entry, findings)?.Dispose();
    }
}
