using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Discovery;
using Myelin.Server.Federation.Keys;
using Myelin.Server.Federation.Membership;
using Myelin.Server.Federation.Sending;
using Myelin.Server.ServerKeys;

namespace Myelin.Server.Federation;

public static class FederationServiceCollectionExtensions
{
    /// <summary>
    /// Federation services: our key ring, discovery, the outbound client, the remote key cache and inbound request
    /// authentication. <see cref="FederationOptions"/>, <see cref="IFederationDns"/> and <see cref="IServerResolver"/>
    /// are only added if not registered yet; a registration added later (e.g. in <c>MyelinHostOptions.ConfigureServices</c>)
    /// replaces them, as the last registration wins.
    /// </summary>
    public static IServiceCollection AddFederation(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => sp.GetRequiredService<MyelinConfig>().Federation);
        services.TryAddSingleton<IFederationDns, SystemFederationDns>();
        services.AddSingleton<ServerKeyRing>();
        services.AddSingleton<OutboundIpFilter>();
        services.TryAddSingleton<IServerResolver>(sp => new MatrixServerResolver(
            sp.GetRequiredService<IFederationDns>(),
            new HttpClient(FederationHttpHandler.Create(sp.GetRequiredService<MyelinConfig>(), sp.GetRequiredService<IFederationDns>(),
                sp.GetRequiredService<OutboundIpFilter>(), followRedirects: true)) { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FederationOptions>(),
            sp.GetRequiredService<ILogger<MatrixServerResolver>>()));
        services.AddSingleton(sp => new FederationClient(
            new HttpClient(FederationHttpHandler.Create(sp.GetRequiredService<MyelinConfig>(), sp.GetRequiredService<IFederationDns>(),
                sp.GetRequiredService<OutboundIpFilter>(), followRedirects: false)) { Timeout = Timeout.InfiniteTimeSpan },
            sp.GetRequiredService<IServerResolver>(), sp.GetRequiredService<ServerKeyRing>(), sp.GetRequiredService<FederationOptions>(),
            sp.GetRequiredService<MyelinConfig>()));
        services.AddSingleton<RemoteServerKeys>();
        services.AddSingleton<FederationAuthenticator>();
        services.AddSingleton<Events.IncomingPduChecks>();
        services.AddSingleton<Events.FederationEventHandler>();
        services.AddSingleton<Transactions.IncomingTransactions>();
        services.AddSingleton<Acl.RoomServerAclCheck>();
        services.AddSingleton<Events.FederationEventReader>();
        services.AddSingleton<Queries.RemoteRoomQueries>();
        services.AddSingleton<Backfill.RoomBackfiller>();
        services.AddSingleton<Myelin.Server.Visibility.ServerEventVisibility>();
        services.AddFederationMembership();
        services.AddFederationSender();
        return services;
    }
}
