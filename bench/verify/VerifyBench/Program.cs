using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelAgent.Completion;
using ModelAgent.Verification;

namespace ModelAgent.Bench.Verify;

/// <summary>
/// bench/verify/run.sh's driver. Layout builders (sparse shards with valid safetensors headers, many small files,
/// real random files) and an in-process timer for CompletenessCheck, so .NET start-up is measured apart.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "sharded": BuildSharded(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture)); return 0;
            case "many": BuildMany(args[1], int.Parse(args[2], CultureInfo.InvariantCulture)); return 0;
            case "random": BuildRandom(args[1], int.Parse(args[2], CultureInfo.InvariantCulture),
                long.Parse(args[3], CultureInfo.InvariantCulture)); return 0;
            case "adopt": return await AdoptAsync(args[1], args.Contains("--deep"));
            case "time": return await TimeAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args.Contains("--deep"));
            case "list": return List(args[1], args[2]);
            default:
                Console.Error.WriteLine("usage: VerifyBench sharded DIR FIXTURE SHARDS | many DIR COUNT | random DIR COUNT MIB | adopt " +
                    "DIR [--deep] | time DIR REPEAT [--deep] | list DIR OUT");
                return 2;
        }
    }

    /// <summary>
    /// SHARDS sparse shards sized like the fixture's (a real large model's upstream sizes, in order), carrying the
    /// tensor names the fixture's index maps to them, plus an index and the fixture's config.json.
    /// </summary>
    private static void BuildSharded(string directory, string fixture, int shards)
    {
        Directory.CreateDirectory(directory);
        var sizes = File.ReadLines(Path.Combine(fixture, "_SOURCE.txt"))
            .SkipWhile(l => l != "files:").Skip(1).Select(l => l.Split('\t'))
            .Where(f => f.Length >= 3 && f[2].EndsWith(".safetensors", StringComparison.Ordinal) && f[0] != "?")
            .Select(f => (Name: f[2], Size: long.Parse(f[0], CultureInfo.InvariantCulture))).ToList();
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(fixture, "model.safetensors.index.json")));
        var tensors = index.RootElement.GetProperty("weight_map").EnumerateObject()
            .GroupBy(t => t.Value.GetString()!).ToDictionary(g => g.Key, g => g.Select(t => t.Name).ToList());
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (var i = 0; i < shards; i++)
        {
            var (source, size) = sizes[i % sizes.Count];
            var name = $"model-{i + 1:D5}-of-{shards:D5}.safetensors";
            var names = tensors.TryGetValue(source, out var list) ? list.Select(t => i < sizes.Count ? t : $"{t}.copy{i}").ToList()
                : [$"tensor.{i}"];
            foreach (var t in names) weightMap[t] = name;
            total += WriteSparseSafetensors(Path.Combine(directory, name), size, names);
        }
        File.Copy(Path.Combine(fixture, "config.json"), Path.Combine(directory, "config.json"), overwrite: true);
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"),
            JsonSerializer.Serialize(new { metadata = new { total_size = total }, weight_map = weightMap }));
    }

    /// <summary>COUNT small safetensors files (one tensor each, per-tensor style) under a sharded index.</summary>
    private static void BuildMany(string directory, int count)
    {
        Directory.CreateDirectory(directory);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var name = $"model-{i + 1:D5}-of-{count:D5}.safetensors";
            weightMap[$"layers.{i}.weight"] = name;
            total += WriteSparseSafetensors(Path.Combine(directory, name), 4096, [$"layers.{i}.weight"]);
        }
        File.WriteAllText(Path.Combine(directory, "config.json"), """{"model_type": "llama"}""");
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"),
            JsonSerializer.Serialize(new { metadata = new { total_size = total }, weight_map = weightMap }));
    }

    /// <summary>COUNT non-sparse files of MIB MiB of random bytes (real content to hash), as a single-file-per-shard model.</summary>
    private static void BuildRandom(string directory, int count, long mib)
    {
        Directory.CreateDirectory(directory);
        var buffer = new byte[1 << 20];
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var name = $"model-{i + 1:D5}-of-{count:D5}.safetensors";
            weightMap[$"t{i}"] = name;
            var size = mib << 20;
            var header = Header(size, [$"t{i}"]);
            using var stream = new FileStream(Path.Combine(directory, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            stream.Write(header);
            for (long written = header.Length; written < size; written += buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                stream.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
            }
        }
        File.WriteAllText(Path.Combine(directory, "config.json"), """{"model_type": "llama"}""");
        File.WriteAllText(Path.Combine(directory, "model.safetensors.index.json"),
            JsonSerializer.Serialize(new { weight_map = weightMap }));
    }

    private static async Task<int> AdoptAsync(string directory, bool digests)
    {
        var verdict = await new CompletenessCheck().InspectAsync(directory, InspectOptions.Fast, CancellationToken.None);
        var result = await new ModelAdoption(TimeProvider.System).AdoptAsync(directory, verdict, digests, Environment.ProcessorCount,
            CancellationToken.None);
        if (!result.Written) { Console.Error.WriteLine(result.Problem ?? string.Join("; ", verdict.Reasons)); return 1; }
        return 0;
    }

    /// <summary>Times REPEAT in-process checks after one warm-up; prints key=value pairs for run.sh.</summary>
    private static async Task<int> TimeAsync(string directory, int repeat, bool deep)
    {
        var check = new CompletenessCheck();
        var options = new InspectOptions { Deep = deep };
        var verdict = await check.InspectAsync(directory, options, CancellationToken.None); // warm-up: JIT, page cache
        var times = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < repeat; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            verdict = await check.InspectAsync(directory, options, CancellationToken.None);
            times.Add(clock.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
        }
        times.Sort();
        cpu.Sort();
        // CPU time (all threads, user + system) is what a check costs whatever else the machine runs.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median_ms={times[times.Count / 2]:F3} cpu_ms={cpu[cpu.Count / 2]:F3} min_ms={times[0]:F3} complete={verdict.Complete} " +
            $"layout={verdict.Layout} files={verdict.FilesChecked.Count} bytes_hashed={verdict.BytesHashed}"));
        if (!verdict.Complete) Console.Error.WriteLine(string.Join("\n", verdict.Reasons.Take(5)));
        return verdict.Complete ? 0 : 1;
    }

    /// <summary>Writes the record's file list (relative paths), the same list GNU stat is timed on.</summary>
    private static int List(string directory, string output)
    {
        var record = CompletionRecordStore.Read(directory).Record;
        if (record is null) { Console.Error.WriteLine("no completion record"); return 1; }
        File.WriteAllLines(output, record.Files.Select(f => f.Path));
        return 0;
    }

    private static long WriteSparseSafetensors(string path, long size, IReadOnlyList<string> names)
    {
        var header = Header(size, names);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write(header);
        stream.SetLength(size);
        return size - header.Length;
    }

    /// <summary>8-byte length + JSON header (space-padded) for U8 tensors laid end to end filling SIZE bytes.</summary>
    private static byte[] Header(long size, IReadOnlyList<string> names)
    {
        var length = 0;
        while (true)
        {
            var data = size - 8 - length;
            var json = new StringBuilder("{");
            long offset = 0;
            for (var i = 0; i < names.Count; i++)
            {
                var n = i == names.Count - 1 ? data - offset : 1;
                json.Append(CultureInfo.InvariantCulture,
                    $"{(i > 0 ? "," : "")}{JsonSerializer.Serialize(names[i])}:{{\"dtype\":\"U8\",\"shape\":[{n}]," +
                    $"\"data_offsets\":[{offset},{offset + n}]}}");
                offset += n;
            }
            var bytes = Encoding.UTF8.GetBytes(json.Append('}').ToString());
            if (bytes.Length <= length)
            {
                var header = new byte[8 + length];
                BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)length);
                header.AsSpan(8).Fill((byte)' ');
                bytes.CopyTo(header, 8);
                return header;
            }
            length = (bytes.Length + 7) / 8 * 8;
        }
    }
}
