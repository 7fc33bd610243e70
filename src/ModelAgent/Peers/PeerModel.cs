using System.Text.Json.Serialization;

namespace ModelAgent.Peers;

/// <summary>
/// What a peer holds of one model, as <c>GET /peer/v1/models</c> answers it: every file it can serve now, and whether that
/// is the whole model (a completion record) or the verified files of a pull in progress.
/// </summary>
internal sealed record PeerModel(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("revision")] string Revision,
    [property: JsonPropertyName("complete")] bool Complete,
    [property: JsonPropertyName("files")] IReadOnlyList<PeerFile> Files);
