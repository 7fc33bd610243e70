namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>The models the end-to-end tests serve: small enough for a loaded machine, split in shards like real ones.</summary>
internal static class TestModels
{
    /// <summary>Two shards and a tokenizer, about 3 MB.</summary>
    public static HubModel Small(HubOrigin origin, string repoId, int seed) => origin.AddModel(repoId, new Dictionary<string, int>
    {
        ["model-00001-of-00002.safetensors"] = 1_500_000,
        ["model-00002-of-00002.safetensors"] = 1_400_000,
        ["tokenizer.json"] = 40_000,
    }, seed);

    /// <summary>Four shards, 8 MB: at a throttled origin its transfer is still running when the test acts.</summary>
    public static HubModel Large(HubOrigin origin, string repoId, int seed) => origin.AddModel(repoId, new Dictionary<string, int>
    {
        ["model-00001-of-00004.safetensors"] = 2_000_000,
        ["model-00002-of-00004.safetensors"] = 2_000_000,
        ["model-00003-of-00004.safetensors"] = 2_000_000,
        ["model-00004-of-00004.safetensors"] = 2_000_000,
        ["tokenizer.json"] = 40_000,
    }, seed);
}
