using System.Security.Cryptography;
using System.Text;

namespace ModelAgent.Hub.Files;

/// <summary>
/// Signs CDN URLs the way a real CDN's pre-signed links work: the CDN listener serves bytes without the hub token,
/// so it only serves URLs the hub handed out. The key lives for one server run.
/// </summary>
internal sealed class CdnSigner
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Sign(string repoId, string commit, string path) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{repoId}\n{commit}\n{path}")));

    public bool Verify(string repoId, string commit, string path, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(repoId, commit, path)), Encoding.ASCII.GetBytes(signature));
}
