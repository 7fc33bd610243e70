using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// Real-model fixtures built once per test class (hundreds of removal cases share them): a case moves one file
/// out of the model directory and back, instead of rebuilding the layout.
/// </summary>
public sealed class BuiltRealModels : IDisposable
{
    private readonly TempDirectory _root = new("real-models");
    private readonly Dictionary<string, string> _built = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public string Directory(string fixture)
    {
        lock (_lock)
        {
            if (_built.TryGetValue(fixture, out var existing)) return existing;
            var directory = Path.Combine(_root.Path, fixture, "model");
            System.IO.Directory.CreateDirectory(directory);
            RealModelFixture.Load(fixture).BuildInto(directory);
            _built[fixture] = directory;
            return directory;
        }
    }

    /// <summary>Moves <paramref name="relative"/> (a file or folder) out of the model until disposed.</summary>
    public IDisposable Without(string fixture, string relative)
    {
        var path = Path.Combine(Directory(fixture), relative);
        var aside = Path.Combine(_root.Path, fixture, "aside");
        if (System.IO.Directory.Exists(path)) System.IO.Directory.Move(path, aside);
        else if (File.Exists(path)) File.Move(path, aside);
        else throw new FileNotFoundException($"{relative} is not in the {fixture} layout");
        return new Restore(aside, path);
    }

    public void Dispose() => _root.Dispose();

    private sealed class Restore(string aside, string path) : IDisposable
    {
        public void Dispose()
        {
            if (System.IO.Directory.Exists(aside)) System.IO.Directory.Move(aside, path);
            else File.Move(aside, path);
        }
    }
}
