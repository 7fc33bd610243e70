using System.Net;
using System.Net.Sockets;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>A loopback TCP port free at the moment of asking, for an agent's --port (several agents share this host).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
