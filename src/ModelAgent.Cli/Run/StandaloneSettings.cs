namespace ModelAgent.Cli.Run;

/// <summary>What <c>run --models</c> runs on instead of Kubernetes: the models file and this host's labels.</summary>
internal sealed record StandaloneSettings(string ModelsFile, IReadOnlyDictionary<string, string> HostLabels);
