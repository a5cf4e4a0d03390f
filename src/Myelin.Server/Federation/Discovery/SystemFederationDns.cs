using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Myelin.Server.Federation.Discovery;

/// <summary>SRV lookups with DnsClient (the system's name servers), addresses with the OS resolver.</summary>
public sealed class SystemFederationDns : IFederationDns
{
    private readonly LookupClient _lookup = new(new LookupClientOptions { UseCache = true, Timeout = TimeSpan.FromSeconds(5), Retries = 1 });

    public async Task<(string Target, int Port)?> ResolveSrvAsync(string name, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _lookup.QueryAsync(name, QueryType.SRV, cancellationToken: cancellationToken);
        }
        catch (DnsResponseException)
        {
            return null;
        }
        // RFC 2782: lowest priority first, then the highest weight (a deterministic stand-in for weighted choice).
        var record = response.Answers.SrvRecords()
            .OrderBy(r => r.Priority).ThenByDescending(r => r.Weight)
            .FirstOrDefault();
        // A target of "." means the service is decidedly not available.
        if (record is null || record.Target.Value is "." or "")
        {
            return null;
        }
        return (record.Target.Value.TrimEnd('.'), record.Port);
    }

    public async Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
