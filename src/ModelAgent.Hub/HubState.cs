using ModelAgent.Hub.Faults;
using ModelAgent.Hub.Files;
using ModelAgent.Hub.Repository;
using ModelAgent.Hub.Stats;

namespace ModelAgent.Hub;

/// <summary>What every request handler of one server shares: the repos, counters, faults and settings.</summary>
internal sealed class HubState(HubServerOptions options, RepoCatalog catalog, HubStats stats, HubFaults faults, CdnSigner signer)
{
    public HubServerOptions Options { get; } = options;
    public RepoCatalog Catalog { get; } = catalog;
    public HubStats Stats { get; } = stats;
    public HubFaults Faults { get; } = faults;
    public CdnSigner Signer { get; } = signer;

    /// <summary>The CDN listener's base address once it is listening (null without --cdn).</summary>
    public Uri? CdnAddress { get; set; }
}
