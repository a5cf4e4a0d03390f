using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Federation.Membership;

public static class MembershipServiceCollectionExtensions
{
    /// <summary>The membership handshakes: resident side (<see cref="ResidentMembership"/>) and joining side (<see cref="RemoteMembership"/>).</summary>
    public static IServiceCollection AddFederationMembership(this IServiceCollection services)
    {
        services.AddSingleton<ResidentMembership>();
        services.AddSingleton<RemoteMembership>();
        return services;
    }
}
