using System.Buffers.Binary;
using System.Text;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>The ways a declared file gets lost or damaged.</summary>
public enum MutationKind
{
    Delete, Truncate, Zero, Rename, SwapFromOtherModel,
    HeaderLength, HeaderJson, HeaderOffsets, HeaderDtypeSize, HeaderLengthClaim100MB,
    HostileIndexName, HostileIndexDeepNesting, HostileIndexDuplicateKey, HostileIndexNumberAsName, HostileIndexNonUtf8,
    SymlinkOutside, Fifo,
}

/// <summary>One mutation of one declared file; <see cref="Position"/> and <see cref="Length"/> are fractions of the file picked by the
/// generator.</summary>
public sealed record Mutation(MutationKind Kind, int FileChoice, double Position, double Length)
{
    public override string ToString() => $"{Kind} file#{FileChoice} at {Position:0.###} len {Length:0.###}";
}

/// <summary>
/// What a mutation did, and which check must see it:
/// <list type="bullet">
/// <item><see cref="Changed"/>: the declared file is no longer what it was (a mutation that changed no byte is not damage).</item>
/// <item><see cref="StatVisible"/>: the fast check against a completion record (stat only) must see it: the file is gone,
/// another size, or not a regular file inside the directory.</item>
/// <item><see cref="StructureVisible"/>: the layout rules without a record must see it: a declaration breaks (a file
/// it names is missing, a safetensors header or size disagrees, an index or config no longer parses, a GGUF magic is
/// gone). Bytes zeroed or swapped inside tensor data, a .bin or GGUF body, are invisible here by design: only a
/// digest sees them.</item>
/// </list>
/// --deep against a record must see every change.
/// </summary>
public sealed record Damage(string File, bool Changed, bool StatVisible, bool StructureVisible);

/// <summary>Applies a <see cref="Mutation"/> to a generated model, in place.</summary>
public static class Mutator
{
    public static async Task<Damage> ApplyAsync(GeneratedModel model, Mutation mutation, string outside, GeneratedModel other)
    {
        var candidates = Candidates(model, mutation.Kind);
        if (candidates.Count == 0) return new Damage("(none)", false, false, false);
        var file = candidates[mutation.FileChoice % candidates.Count];
        var path = model.Full(file.Path);
        // An earlier mutation may have removed it or planted a FIFO there, which this read would block on.
        if (!File.Exists(path) || ModelAgent.Verification.RegularFile.Refusal(path) is not null) return new Damage(file.Path, false, false,
            false);
        var before = await File.ReadAllBytesAsync(path);
        // Header mutations work on the header the file has now (an earlier mutation may have cut or rewritten it).
        if (file.Kind == DeclaredKind.Safetensors)
        {
            var claimed = before.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(before) : ulong.MaxValue;
            var headerEnd = claimed > (ulong)before.Length ? long.MaxValue : 8 + (long)claimed;
            if ((headerEnd > before.Length || headerEnd <= 8) && IsHeaderMutation(mutation.Kind)) return new Damage(file.Path, false, false,
                false);
            file = file with { HeaderEnd = Math.Min(headerEnd, before.Length) };
        }
        long Pick(double fraction, long size) => Math.Clamp((long)(fraction * size), 0, Math.Max(0, size - 1));

        switch (mutation.Kind)
        {
            case MutationKind.Delete:
                File.Delete(path);
                return new Damage(file.Path, true, true, true);

            case MutationKind.Rename:
                File.Move(path, path + ".renamed");
                return new Damage(file.Path, true, true, true);

            case MutationKind.Truncate:
                {
                    var length = Pick(mutation.Position, before.Length); // strictly shorter
                    await File.WriteAllBytesAsync(path, before.AsSpan(0, (int)length).ToArray());
                    return new Damage(file.Path, true, true, TruncationVisible(model, file, length, before.Length));
                }

            case MutationKind.Zero:
                {
                    var start = Pick(mutation.Position, before.Length);
                    var count = Math.Max(1, (long)(mutation.Length * (before.Length - start)));
                    var after = before.ToArray();
                    after.AsSpan((int)start, (int)Math.Min(count, before.Length - start)).Clear();
                    await File.WriteAllBytesAsync(path, after);
                    var changed = !after.AsSpan().SequenceEqual(before);
                    // Structure is the safetensors length and JSON header, the GGUF magic, a JSON file's every byte.
                    var structure =
                        file.Kind switch { DeclaredKind.Json => before.Length, DeclaredKind.Bin => 0, _ => (int)file.HeaderEnd };
                    var headerChanged = !after.AsSpan(0, structure).SequenceEqual(before.AsSpan(0, structure));
                    return new Damage(file.Path, changed, false, headerChanged);
                }

            case MutationKind.SwapFromOtherModel:
                {
                    var donor = other.Declared.Where(d => d.Kind == file.Kind).ToList();
                    if (donor.Count == 0) return new Damage(file.Path, false, false, false);
                    var replacement = await File.ReadAllBytesAsync(other.Full(donor[mutation.FileChoice % donor.Count].Path));
                    await File.WriteAllBytesAsync(path, replacement);
                    var changed = !replacement.AsSpan().SequenceEqual(before);
                    // Another model's shard is a sound file: only the index's tensor names (or total_size) tell it apart.
                    var visible = file.Kind == DeclaredKind.Safetensors && file.NamedByIndex
                                  || file.Kind == DeclaredKind.Bin && TruncationVisible(model, file, replacement.Length, before.Length);
                    return new Damage(file.Path, changed, replacement.Length != before.Length, changed && visible);
                }

            case MutationKind.HeaderLength:
                {
                    var after = before.ToArray();
                    var claimed = BinaryPrimitives.ReadUInt64LittleEndian(after) + 1 + (ulong)(mutation.Position * 1000);
                    BinaryPrimitives.WriteUInt64LittleEndian(after, claimed);
                    await File.WriteAllBytesAsync(path, after);
                    return new Damage(file.Path, true, false, true);
                }

            case MutationKind.HeaderLengthClaim100MB:
                {
                    var after = before.ToArray();
                    BinaryPrimitives.WriteUInt64LittleEndian(after, 100_000_000UL + (ulong)(mutation.Position * 1e9));
                    await File.WriteAllBytesAsync(path, after);
                    return new Damage(file.Path, true, false, true);
                }

            case MutationKind.HeaderJson:
                {
                    var after = before.ToArray();
                    var at = 8 + Pick(mutation.Position, file.HeaderEnd - 8);
                    after[at] = (byte)"{}[]\",:\0\xff"[mutation.FileChoice % 9]; // a structural character where it cannot be
                    if (after[at] == before[at]) after[at] = (byte)'\0';
                    await File.WriteAllBytesAsync(path, after);
                    return new Damage(file.Path, true, false, HeaderStillParses(after, file) is false);
                }

            case MutationKind.HeaderOffsets:
                return await RewriteHeaderAsync(path, file, before, json
                    => ShiftFirst(json, "\"data_offsets\":[", 1 + (int)(mutation.Length * 7)));

            case MutationKind.HeaderDtypeSize:
                return await RewriteHeaderAsync(path, file, before, json => SwapDtype(json));

            case MutationKind.HostileIndexName:
                {
                    string[] hostile =
                        ["../outside.safetensors", "/etc/passwd", "sub\\\\shard.safetensors", "a/../../b.safetensors", "", "x\\u0000y"];
                    var name = hostile[mutation.FileChoice % hostile.Length];
                    return await RewriteIndexAsync(path, file, before, text => ReplaceFirstShardName(text, name));
                }
            case MutationKind.HostileIndexDeepNesting:
                return await RewriteIndexAsync(path, file, before, text =>
                    text.Replace("\"weight_map\":", "\"weight_map\":" + new string('[', 300 + (int)(mutation.Length * 5000)),
                        StringComparison.Ordinal));
            case MutationKind.HostileIndexDuplicateKey:
                // The same tensor name again, mapped to a shard that is not there: JSON readers disagree on duplicates.
                return await RewriteIndexAsync(path, file, before, text
                    => text.Replace("\"weight_map\":{",
                    "\"weight_map\":{\"dup\":\"nowhere-00009-of-00009.safetensors\",\"dup\":\"nowhere-00009-of-00009.safetensors\",",
                    StringComparison.Ordinal));
            case MutationKind.HostileIndexNumberAsName:
                return await RewriteIndexAsync(path, file, before, text => ReplaceFirstShardValue(text, "12345"));
            case MutationKind.HostileIndexNonUtf8:
                {
                    var after = before.ToArray();
                    var quote = Array.IndexOf(after, (byte)'"', (int)Pick(mutation.Position, after.Length));
                    after[quote < 0 ? after.Length / 2 : quote] = 0xC0; // never valid in UTF-8
                    await File.WriteAllBytesAsync(path, after);
                    return new Damage(file.Path, true, false, true);
                }

            case MutationKind.SymlinkOutside:
                {
                    // The very same bytes, outside the directory: only the symlink check can refuse it.
                    var target = Path.Combine(outside, $"copy-{Guid.NewGuid():N}");
                    await File.WriteAllBytesAsync(target, before);
                    File.Delete(path);
                    File.CreateSymbolicLink(path, target);
                    return new Damage(file.Path, true, true, true);
                }

            case MutationKind.Fifo:
                File.Delete(path);
                Fifos.Create(path);
                return new Damage(file.Path, true, true, true);
        }
        throw new ArgumentOutOfRangeException(nameof(mutation));
    }

    private static bool IsHeaderMutation(MutationKind kind) => kind is MutationKind.HeaderLength or MutationKind.HeaderJson
        or MutationKind.HeaderOffsets or MutationKind.HeaderDtypeSize or MutationKind.HeaderLengthClaim100MB;

    private static List<DeclaredFile> Candidates(GeneratedModel model, MutationKind kind) => kind switch
    {
        MutationKind.HeaderLength or MutationKind.HeaderJson or MutationKind.HeaderOffsets or MutationKind.HeaderDtypeSize
            or MutationKind.HeaderLengthClaim100MB => [.. model.Declared.Where(d => d.Kind == DeclaredKind.Safetensors)],
        MutationKind.HostileIndexName or MutationKind.HostileIndexDeepNesting or MutationKind.HostileIndexDuplicateKey
            or MutationKind.HostileIndexNumberAsName or MutationKind.HostileIndexNonUtf8 =>
            [.. model.Declared.Where(d => d.Path.EndsWith(".index.json", StringComparison.Ordinal))],
        _ => [.. model.Declared],
    };

    /// <summary>Whether the structural check sees a file cut (or replaced) to <paramref name="length"/> bytes.</summary>
    private static bool TruncationVisible(GeneratedModel model, DeclaredFile file, long length, long original) => file.Kind switch
    {
        DeclaredKind.Safetensors or DeclaredKind.Json => length != original,
        DeclaredKind.Gguf => length < 4,
        // A .bin shard has no structure: only an empty file, or the index's total_size, gives a cut away.
        DeclaredKind.Bin => length == 0 || model.Declared.Where(d => d.InBinIndex)
            .Sum(d => d == file ? length : new FileInfo(model.Full(d.Path)).Length) < model.BinTotalSize,
        _ => true,
    };

    private static bool? HeaderStillParses(byte[] bytes, DeclaredFile file)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)file.HeaderEnd - 8));
            return true;
        }
        catch (System.Text.Json.JsonException) { return false; }
    }

    private static async Task<Damage> RewriteHeaderAsync(string path, DeclaredFile file, byte[] before, Func<string, string> rewrite)
    {
        var json = Encoding.UTF8.GetString(before, 8, (int)file.HeaderEnd - 8);
        var changed = rewrite(json);
        if (changed == json) return new Damage(file.Path, false, false, false);
        var header = Encoding.UTF8.GetBytes(changed);
        var after = new byte[8 + header.Length + before.Length - file.HeaderEnd];
        BinaryPrimitives.WriteUInt64LittleEndian(after, (ulong)header.Length);
        header.CopyTo(after, 8);
        before.AsSpan((int)file.HeaderEnd).CopyTo(after.AsSpan(8 + header.Length));
        await File.WriteAllBytesAsync(path, after);
        return new Damage(file.Path, true, after.Length != before.Length, true);
    }

    private static async Task<Damage> RewriteIndexAsync(string path, DeclaredFile file, byte[] before, Func<string, string> rewrite)
    {
        var text = Encoding.UTF8.GetString(before);
        var changed = rewrite(text);
        if (changed == text) return new Damage(file.Path, false, false, false);
        var after = Encoding.UTF8.GetBytes(changed);
        await File.WriteAllBytesAsync(path, after);
        return new Damage(file.Path, true, after.Length != before.Length, true);
    }

    /// <summary>Moves the first tensor's end offset: its size no longer matches its dtype and shape, or the tiling breaks.</summary>
    private static string ShiftFirst(string json, string marker, int by)
    {
        var at = json.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return json;
        var comma = json.IndexOf(',', at + marker.Length);
        var close = comma < 0 ? -1 : json.IndexOf(']', comma);
        if (close < 0
            || !long.TryParse(json.AsSpan(comma + 1, close - comma - 1), System.Globalization.CultureInfo.InvariantCulture, out var end))
            return json;
        return json[..(comma + 1)] + (end + by) + json[close..];
    }

    /// <summary>Gives the first tensor a dtype of another element size (F32 → F16 ...), its offsets unchanged.</summary>
    private static string SwapDtype(string json)
    {
        (string From, string To)[] swaps =
            [("\"F32\"", "\"I64\""), ("\"F16\"", "\"F32\""), ("\"BF16\"", "\"U8\""), ("\"U8\"", "\"F16\""), ("\"I64\"", "\"U8\"")];
        var found = swaps.Select(s => (s, at: json.IndexOf(s.From, StringComparison.Ordinal))).Where(x => x.at >= 0).OrderBy(x => x.at)
            .ToList();
        if (found.Count == 0) return json;
        var first = found[0];
        return json[..first.at] + first.s.To + json[(first.at + first.s.From.Length)..];
    }

    private static string ReplaceFirstShardName(string index, string name)
    {
        var map = index.IndexOf("\"weight_map\":{", StringComparison.Ordinal);
        var colon = index.IndexOf("\":\"", map + 14, StringComparison.Ordinal);
        var close = index.IndexOf('"', colon + 3);
        return index[..(colon + 3)] + name + index[close..];
    }

    private static string ReplaceFirstShardValue(string index, string literal)
    {
        var map = index.IndexOf("\"weight_map\":{", StringComparison.Ordinal);
        var colon = index.IndexOf("\":\"", map + 14, StringComparison.Ordinal);
        var close = index.IndexOf('"', colon + 3);
        return index[..(colon + 2)] + literal + index[(close + 1)..];
    }
}
