namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// The end-to-end classes run one at a time: each starts an API server, a hub and several agents, and on two shared
/// cores two such clusters at once would measure the machine, not the agent. They still run beside the other tests.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection
{
    public const string Name = "Agent end to end";
}
