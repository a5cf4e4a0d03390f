using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Discovery;

/// <summary>Turns a server name into where to connect (replaceable in DI, e.g. by tests).</summary>
public interface IServerResolver
{
    ValueTask<ResolvedServer> ResolveAsync(ServerName serverName, CancellationToken cancellationToken = default);
}
