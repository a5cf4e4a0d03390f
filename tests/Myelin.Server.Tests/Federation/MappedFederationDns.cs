using System.Collections.Concurrent;
using System.Net;
using Myelin.Server.Federation.Discovery;

namespace Myelin.Server.Tests.Federation;

/// <summary>A DNS for discovery tests: fixed SRV and address records, every query recorded.</summary>
public sealed class MappedFederationDns : IFederationDns
{
    public Dictionary<string, (string Target, int Port)> Srv { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, IPAddress[]> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);
    public ConcurrentQueue<string> Queries { get; } = new();

    public Task<(string Target, int Port)?> ResolveSrvAsync(string name, CancellationToken cancellationToken)
    {
        Queries.Enqueue("SRV " + name);
        return Task.FromResult<(string, int)?>(Srv.TryGetValue(name, out var record) ? record : null);
    }

    public Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken)
    {
        Queries.Enqueue("A " + host);
        return Task.FromResult<IReadOnlyList<IPAddress>>(Addresses.TryGetValue(host, out var addresses) ? addresses : []);
    }
}
