using ModelAgent.Storage;

namespace ModelAgent.Verification;

/// <summary>
/// Checks one weight file the verdict relies on, reading its first bytes only: the safetensors structural check,
/// or the LFS-pointer and GGUF-magic sniff for other formats.
/// </summary>
internal static class WeightFileCheck
{
    /// <summary>Adds a reason when the file is unusable; returns the tensor names of a sound safetensors file.</summary>
    public static IReadOnlySet<string>? Inspect(ModelEntry entry, Findings findings)
    {
        findings.Checked(entry.Name);
        if (RegularFile.Refusal(entry.FullPath) is { } refusal)
        {
            findings.Reason($"{entry.Name} {refusal}");
            return null;
        }
        try
        {
            using var handle = File.OpenHandle(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // The size of the file actually opened, not of the earlier lstat: it may have been replaced since.
            var size = RandomAccess.GetLength(handle);
            string? problem;
            IReadOnlySet<string>? tensors = null;
            if (WeightFileNames.IsSafetensors(entry.Name))
            {
                problem = SafetensorsHeader.Check(handle, size, out var names);
                if (problem is null) tensors = names;
            }
            else
            {
                Span<byte> head = stackalloc byte[32];
                var read = RandomAccess.Read(handle, head, 0);
                problem = WeightFileSniff.Check(head[..read], size, WeightFileNames.IsGguf(entry.Name));
            }
            if (problem is not null) findings.Reason($"{entry.Name} {problem}");
            return tensors;
        }
        catch (UnauthorizedAccessException) { findings.Reason($"permission denied reading {entry.Name}"); }
        catch (FileNotFoundException) { findings.Reason($"{entry.Name} missing (removed while checking)"); }
        catch (IOException e) { findings.Reason($"cannot read {entry.Name}: {e.Message}"); }
        return null;
    }
}
