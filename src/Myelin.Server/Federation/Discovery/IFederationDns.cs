using System.Net;

namespace Myelin.Server.Federation.Discovery;

/// <summary>The DNS lookups server discovery needs (replaceable in DI, so tests can map names to loopback).</summary>
public interface IFederationDns
{
    /// <summary>The highest-priority target of an SRV record (e.g. <c>_matrix-fed._tcp.example.org</c>), or null if none.</summary>
    Task<(string Target, int Port)?> ResolveSrvAsync(string name, CancellationToken cancellationToken);

    /// <summary>The addresses of a host name (CNAME, AAAA and A records); empty if it does not resolve.</summary>
    Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken);
}
