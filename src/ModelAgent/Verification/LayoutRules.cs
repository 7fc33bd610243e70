using ModelAgent.Storage;
using static ModelAgent.Verification.WeightFileNames;

namespace ModelAgent.Verification;

/// <summary>
/// The layout rules of docs/design.md section 2, for directories without a completion record: which layout the
/// directory has (diffusers, sharded, single file, GGUF), and every reason it is not a complete one.
/// </summary>
internal sealed class LayoutRules(ModelDirectory model, Findings findings)
{
    public ModelDirectory Model => model;

    /// <summary>
    /// Inspects the model directory itself; returns the primary layout name. Every declaration found must hold: a
    /// model_index.json does not excuse a shard index beside it, nor a safetensors index a .bin one.
    /// </summary>
    public string InspectRoot()
    {
        var listing = FolderListing.Read(model.Root, "the model directory", findings);
        if (listing is null) return Layouts.None;
        if (listing.Names.Count == 0)
        {
            findings.Reason("the model directory is empty");
            return Layouts.None;
        }
        if (!listing.Contains(ModelIndex)) return InspectModelFolder(listing, folder: "", component: null, library: "transformers");

        using (findings.Declaration(Layouts.Diffusers, ModelIndex)) DiffusersRule.Inspect(this, findings);
        InspectModelFolder(listing, folder: "", component: null, library: "diffusers", besideModelIndex: true);
        return Layouts.Diffusers;
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
    /// One folder that may hold a model: the root, or a component. Each shard index in it is a declaration of its
    /// own (safetensors and .bin alike), and so is each GGUF split set; without an index, each weight file is one
    /// (single-file or GGUF). A component with neither (scheduler, tokenizer) only has to be non-empty. Beside a
    /// model_index.json the root's loose weights (original-format checkpoints) declare nothing and are not checked.
    /// </summary>
    private string InspectModelFolder(
        FolderListing listing, string folder, string? component, string library, bool besideModelIndex = false)
    {
        var display = component is null ? "the model directory" : $"component '{component}'";
        var indexes = listing.Where(IsIndex).ToList();
        var weights = listing.Where(IsWeight).Select(w => model.Find(folder + w, folder + w))
            .Where(e => e.Problem is not null || e.Kind == EntryKind.File).ToList();
        if (indexes.Count > 0)
        {
            var named = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < indexes.Count; i++)
                using (findings.Declaration(Layouts.Sharded, folder + indexes[i]))
                {
                    if (i == 0 && !besideModelIndex) RequireConfig(folder, $"a sharded model needs it next to {indexes[0]}");
                    ShardIndexRule.Inspect(model, folder, indexes[i], findings, named);
                }
            // A numbered shard declares an index of its own: one that no index here names lost its index.
            var orphans = weights.Where(w => w.Problem is null && IsNumberedShard(w.Name) && !IsGguf(w.Name)
                                             && !named.Contains(w.Name[folder.Length..])).ToList();
            if (orphans.Count > 0)
                using (findings.Declaration(Layouts.Sharded, orphans[0].Name))
                {
                    var more = orphans.Count > 1 ? $" and {orphans.Count - 1} more" : "";
                    findings.Reason($"{orphans[0].Name}{more} look like shards, but no index in {display} names them "
                        + $"({ExpectedIndex(orphans[0].Name)} is missing)");
                }
            // A weight name that leads outside (a GGUF split part, a loose checkpoint) is refused here too, not skipped.
            foreach (var refused in weights.Where(w => w.Problem is not null && !named.Contains(w.Name[folder.Length..])))
                using (findings.Declaration(IsGguf(refused.Name) ? Layouts.Gguf : Layouts.SingleFile, refused.Name))
                    findings.Reason(refused.Problem!);
            GgufSplits.Inspect(weights.Where(w => w.Problem is null && IsGguf(w.Name)), findings);
            return Layouts.Sharded;
        }

        if (weights.Count > 0) return InspectWeights(listing, folder, component, display, weights, besideModelIndex);
        if (besideModelIndex) return Layouts.None;

        if (listing.Contains(Config))
        {
            RequireConfig(folder, "");
            findings.Reason($"{display} has {folder}{Config} but no weights: no shard index and no weight file ({ExtensionList}), e.g. " +
                $"{ConventionalWeights(folder, library)}");
            return component is null ? Layouts.None : Layouts.SingleFile;
        }
        if (component is null)
            findings.Reason($"no model found in the model directory: no completion record, {ModelIndex}, shard index, {Config} or " +
                $"weight file ({ExtensionList})");
        return Layouts.None;
    }

    private string InspectWeights(
        FolderListing listing, string folder, string? component, string display, List<ModelEntry> weights, bool besideModelIndex)
    {
        foreach (var refused in weights.Where(w => w.Problem is not null))
            using (findings.Declaration(IsGguf(refused.Name) ? Layouts.Gguf : Layouts.SingleFile, refused.Name))
                findings.Reason(refused.Problem!);
        var files = weights.Where(w => w.Problem is null).ToList();
        var numbered = files.Where(w => IsNumberedShard(w.Name) && !IsGguf(w.Name)).ToList();
        if (numbered.Count > 0)
        {
            using (findings.Declaration(Layouts.Sharded, numbered[0].Name))
            {
                var more = numbered.Count > 1 ? $" and {numbered.Count - 1} more" : "";
                findings.Reason($"{numbered[0].Name}{more} look like shards, "
                    + $"but {ExpectedIndex(numbered[0].Name)} is missing (no shard index in {display})");
                if (listing.Contains(Config) && !besideModelIndex) RequireConfig(folder, "");
            }
            GgufSplits.Inspect(files.Where(w => IsGguf(w.Name)), findings);
            return Layouts.Sharded;
        }

        var splitParts = GgufSplits.Inspect(files.Where(w => IsGguf(w.Name)), findings);
        if (besideModelIndex)
        {
            var loose = files.Where(w => !splitParts.Contains(w.Name)).ToList();
            if (loose.Count > 0)
                findings.Note($"{string.Join(", ", loose.Select(w => w.Name))} not checked: beside {ModelIndex}, "
                    + $"no shard index or component names {(loose.Count == 1 ? "it" : "them")}");
            return Layouts.None;
        }

        var ggufOnly = component is null && files.Count > 0 && files.All(w => IsGguf(w.Name));
        var first = true;
        foreach (var weight in files.Where(w => !splitParts.Contains(w.Name)))
            using (findings.Declaration(IsGguf(weight.Name) ? Layouts.Gguf : Layouts.SingleFile, weight.Name))
            {
                if (first) RequireConfigFor(listing, folder, ggufOnly, files);
                first = false;
                WeightFileCheck.Inspect(weight, findings);
            }
        if (first) RequireConfigFor(listing, folder, ggufOnly, files);
        return ggufOnly ? Layouts.Gguf : Layouts.SingleFile;
    }

    /// <summary>A single-file model needs its config.json; a GGUF file carries its own, so a config beside it need only parse.</summary>
    private void RequireConfigFor(FolderListing listing, string folder, bool ggufOnly, List<ModelEntry> files)
    {
        if (!ggufOnly) RequireConfig(folder, $"a single-file model needs it next to {files.FirstOrDefault()?.Name ?? "its weights"}");
        else if (listing.Contains(Config)) RequireConfig(folder, "");
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
