using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Push;

public static class PushRegistration
{
    /// <summary>Pushers, the push gateway sender (a hosted worker over the durable queue) and notification bodies.</summary>
    public static IServiceCollection AddPush(this IServiceCollection services)
    {
        services.AddSingleton<PusherService>();
        services.AddSingleton<PushNotificationBuilder>();
        services.AddSingleton<PushGatewaySender>();
        services.AddHostedService(sp => sp.GetRequiredService<PushGatewaySender>());
        return services;
    }
}
