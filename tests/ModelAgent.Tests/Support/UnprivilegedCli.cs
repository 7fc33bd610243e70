namespace ModelAgent.Tests.Support;

/// <summary>
/// A copy of the built CLI in a world-readable temp folder, so that the user nobody can run it even when the clone
/// lives somewhere nobody may not enter (/root/...). Removed when the test class is done.
/// </summary>
public sealed class UnprivilegedCli : IDisposable
{
    private readonly TempDirectory _copy = new("cli");

    public UnprivilegedCli()
    {
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
            File.Copy(file, Path.Combine(_copy.Path, Path.GetFileName(file)));
        var readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(_copy.Path, readable);
        foreach (var file in Directory.GetFiles(_copy.Path)) File.SetUnixFileMode(file, readable);
    }

    public string Dll => Path.Combine(_copy.Path, "model-agent.dll");

    public void Dispose() => _copy.Dispose();
}
