namespace ModelAgent.Peers;

/// <summary>A catalog entry the endpoint may open: the model directory it lives in and the file as the catalog knows it.</summary>
internal sealed record ServableFile(string ModelDirectory, PeerFile File);
