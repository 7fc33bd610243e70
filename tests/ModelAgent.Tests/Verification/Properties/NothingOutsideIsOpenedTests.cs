using System.Text.Json;
using CsCheck;
using ModelAgent.Completion;
using ModelAgent.Tests.Support;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>
/// Property: nothing outside the model directory is opened, whatever leads there: a symlinked file, folder or
/// record, an index that names '../' or an absolute path. The detector is a FIFO outside under the name every one of
/// those leads to: opening it for reading blocks until a writer comes, so a check that opened it would never return
/// (a 60 s limit turns that into a failure), and a non-blocking open for writing finds a reader still on it.
/// </summary>
public class NothingOutsideIsOpenedTests(ITestOutputHelper output)
{
    private const string EmptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public enum Lure
    {
        SymlinkedFile, SymlinkedComponentFolder, SymlinkedRecordFolder, SymlinkedRecordFile, DotDotName, AbsoluteName,
        FifoInside
    }

    [Fact]
    public async Task Nothing_outside_the_directory_is_opened()
    {
        using var root = new TempDirectory("property-outside");
        var iteration = 0;
        await PropertyRun.SampleAsync(output, "7CJsUUgoXvL1", 40, Gen.Select(PropertyRun.Spec, Gen.Enum<Lure>(), Gen.Int[0, 1000]),
            async sample =>
        {
            var (spec, lure, choice) = sample;
            var folder = Path.Combine(root.Path, $"case-{Interlocked.Increment(ref iteration)}");
            var outside = Path.Combine(folder, "outside");
            Directory.CreateDirectory(outside);
            var model = await GeneratedModel.WriteAsync(Path.Combine(folder, "model"), spec);
            var because = $"{spec}; {lure} #{choice}";
            var declared = model.Declared[choice % model.Declared.Count];
            var sentinel = Path.Combine(outside, Path.GetFileName(declared.Path));
            Fifos.Create(sentinel);

            switch (lure)
            {
                case Lure.FifoInside:
                    File.Delete(model.Full(declared.Path));
                    Fifos.Create(model.Full(declared.Path));
                    sentinel = model.Full(declared.Path); // inside, but a FIFO all the same: never opened
                    break;
                case Lure.SymlinkedFile:
                    File.Delete(model.Full(declared.Path));
                    File.CreateSymbolicLink(model.Full(declared.Path), sentinel);
                    break;
                case Lure.SymlinkedComponentFolder:
                    {
                        // The declared file's folder (or the root's files, moved into a subfolder) replaced by a link to outside.
                        var parent = Path.GetDirectoryName(declared.Path);
                        if (string.IsNullOrEmpty(parent)) goto case Lure.SymlinkedFile;
                        Directory.Delete(model.Full(parent), recursive: true);
                        foreach (var sibling in model.Declared.Where(d => Path.GetDirectoryName(d.Path) == parent && d != declared))
                            Fifos.Create(Path.Combine(outside, Path.GetFileName(sibling.Path)));
                        Directory.CreateSymbolicLink(model.Full(parent), outside);
                        break;
                    }
                case Lure.SymlinkedRecordFolder:
                    Directory.CreateDirectory(Path.Combine(outside, "record"));
                    Fifos.Create(sentinel = Path.Combine(outside, "record", CompletionRecordStore.FileName));
                    if (Directory.Exists(Path.Combine(model.Root, CompletionRecordStore.DirectoryName)))
                        Directory.Delete(Path.Combine(model.Root, CompletionRecordStore.DirectoryName), recursive: true);
                    Directory.CreateSymbolicLink(Path.Combine(model.Root, CompletionRecordStore.DirectoryName),
                        Path.Combine(outside, "record"));
                    break;
                case Lure.SymlinkedRecordFile:
                    Directory.CreateDirectory(Path.Combine(model.Root, CompletionRecordStore.DirectoryName));
                    File.Delete(CompletionRecordStore.PathFor(model.Root));
                    File.CreateSymbolicLink(CompletionRecordStore.PathFor(model.Root), sentinel);
                    break;
                case Lure.DotDotName or Lure.AbsoluteName:
                    {
                        var name = lure == Lure.DotDotName ? $"../outside/{Path.GetFileName(sentinel)}" : sentinel;
                        var index = model.Declared.FirstOrDefault(d => d.Path.EndsWith(".index.json", StringComparison.Ordinal));
                        var relative = index?.Path ?? "model.safetensors.index.json";
                        var depth = relative.Count(c => c == '/');
                        if (lure == Lure.DotDotName) name = string.Concat(Enumerable.Repeat("../", depth)) + name;
                        await File.WriteAllTextAsync(model.Full(relative),
                            JsonSerializer.Serialize(new { weight_map = new Dictionary<string, string> { ["t"] = name } }));
                        if (spec.WithRecord)
                            // A FIFO's size is 0 and so is an empty file's digest: a check that followed the name would find it "complete",
                            // then block hashing it.
                            await CompletionRecordStore.WriteAsync(model.Root, CompletionRecordStore.Read(model.Root).Record! with
                            {
                                Files = [new RecordedFile(lure == Lure.DotDotName ? $"../outside/{Path.GetFileName(sentinel)}" : sentinel,
                                    0, EmptySha256)],
                            }, CancellationToken.None);
                        break;
                    }
            }

            var fast = await PropertyRun.InspectAsync(model.Root, deep: false, because);
            var deep = await PropertyRun.InspectAsync(model.Root, deep: true, because);
            Assert.False(Fifos.ReleaseReaders(sentinel), $"a reader has the FIFO {sentinel} open ({because})");
            Assert.False(fast.Complete, $"complete although a declared file leads outside or is a FIFO ({because})");
            Assert.False(deep.Complete, $"--deep: complete although a declared file leads outside or is a FIFO ({because})");
            Directory.Delete(folder, recursive: true);
        });
    }
}
