using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Federation.Edus;

namespace Myelin.Server.Federation.Sending;

public static class FederationSenderRegistration
{
    /// <summary>
    /// The outbound queues (<see cref="IFederationSender"/>), started and stopped with the host; the senders of our
    /// users' typing, receipts and presence; the handlers of those EDUs from other servers.
    /// </summary>
    public static IServiceCollection AddFederationSender(this IServiceCollection services)
    {
        services.AddSingleton<RoomServers>();
        services.AddSingleton<FederationSender>();
        services.AddSingleton<IFederationSender>(sp => sp.GetRequiredService<FederationSender>());
        services.AddHostedService(sp => sp.GetRequiredService<FederationSender>());
        services.AddSingleton<EphemeralEduSender>();
        services.AddHostedService(sp => sp.GetRequiredService<EphemeralEduSender>());
        services.AddSingleton<EduRoomChecks>();
        services.AddSingleton<IEduHandler, TypingEduHandler>();
        services.AddSingleton<IEduHandler, ReceiptEduHandler>();
        services.AddSingleton<IEduHandler, PresenceEduHandler>();
        return services;
    }
}
