namespace ModelAgent.Hub.Repository;

/// <summary>
/// Decides whether a file is served as an LFS object (sha256 ETag, <c>lfs</c> in listings) or as a regular git
/// blob (git sha1 ETag). The folder has no .gitattributes to ask, so the rule mirrors what model repos do:
/// weights and anything large go to LFS.
/// </summary>
internal sealed class StorageRule(long lfsThresholdBytes)
{
    public const long DefaultThresholdBytes = 10L << 20;

    private static readonly HashSet<string> WeightExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt", ".msgpack", ".h5", ".onnx",
    };

    public bool IsLfs(string path, long size) =>
        size >= lfsThresholdBytes || WeightExtensions.Contains(System.IO.Path.GetExtension(path));
}
