using System.CommandLine;
using ModelAgent.Peers;

namespace ModelAgent.Cli.Commands;

/// <summary><c>--peers URL,…</c> and <c>--peer-token-file F</c>: the agents a pull may copy files from (docs/peers.md).</summary>
internal sealed class PeerPullOptions
{
    private readonly Option<string?> _peers = new("--peers")
    {
        Description = "Other agents' peer endpoints (http://HOST:PORT, comma-separated) to copy files from; every byte is checked " +
            "against the origin's listing, and the origin serves what no peer holds.",
    };

    private readonly Option<FileInfo?> _tokenFile = new("--peer-token-file")
    {
        Description = $"File holding the token the peers require (or set {PeerCommand.TokenEnvironmentVariable}).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_peers);
        command.Options.Add(_tokenFile);
    }

    /// <summary>The peer settings the flags name, or the problem in words for a usage error.</summary>
    public (PeerSettings? Settings, string? Problem) Read(ParseResult parse)
    {
        var peers = PeerSettings.ParseList(parse.GetValue(_peers), out var problem);
        if (peers is null) return (null, problem);
        if (peers.Count == 0) return (PeerSettings.None, null);
        var token = HubCommand.ReadToken(parse.GetValue(_tokenFile), PeerCommand.TokenEnvironmentVariable, "--peer-token-file",
            out var tokenProblem);
        return tokenProblem is null ? (new PeerSettings(peers, token), null) : (null, tokenProblem);
    }
}
