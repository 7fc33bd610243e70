using System.Net.Http;
using System.Net.Sockets;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// Whether the origin can be reached at all, judged over every request of one client (one pull): the first
/// connection-level failure (refused, DNS, unreachable, connect timeout) after the last answer starts a clock that
/// any answer stops. Requests that fail to connect retry until that clock passes the budget, then fail at once,
/// all of them: N files must not each spend their own retry budget against an origin that is down (the daemon
/// retries the pull later anyway). Answers of any status count as reachable; they have their own retry rules.
/// </summary>
internal sealed class OriginReachability(TimeSpan budget, TimeProvider time)
{
    private readonly object _gate = new();
    private long _unreachableSince; // 0: the last thing seen was an answer (or nothing yet)

    public TimeSpan Budget => budget;

    /// <summary>The origin answered (any HTTP status).</summary>
    public void Answered()
    {
        lock (_gate) _unreachableSince = 0;
    }

    /// <summary>A connection could not be made; returns how long the origin has been unreachable, this failure included.</summary>
    public TimeSpan Failed()
    {
        lock (_gate)
        {
            if (_unreachableSince == 0) _unreachableSince = time.GetTimestamp();
            return time.GetElapsedTime(_unreachableSince);
        }
    }

    /// <summary>
    /// A failure to reach the server at all, as opposed to one during an exchange (reset, timeout waiting for
    /// headers): those say the server was there and keep their per-request retry count.
    /// </summary>
    public static bool IsConnectionFailure(Exception e) =>
        e is HttpRequestException
        {
            HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError,
        };

    /// <summary>Why the connection failed, in a few words ("connection refused", "DNS lookup failed").</summary>
    public static string Reason(Exception e)
    {
        if (e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }) return "DNS lookup failed";
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "DNS lookup failed",
                    SocketError.HostUnreachable => "host unreachable",
                    SocketError.NetworkUnreachable or SocketError.NetworkDown => "network unreachable",
                    SocketError.TimedOut => "connect timed out",
                    _ => socket.Message,
                };
            if (inner is TimeoutException or OperationCanceledException) return "connect timed out";
        }
        return e.Message;
    }
}
