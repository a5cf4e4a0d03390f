using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.E2ee;

public static class E2eeRegistration
{
    public static IServiceCollection AddE2ee(this IServiceCollection services)
    {
        services.AddSingleton<E2eeKeyService>();
        services.AddSingleton<SendToDeviceService>();
        services.AddSingleton<CrossSigningService>();
        services.AddSingleton<RoomKeyBackupService>();
        return services;
    }
}
