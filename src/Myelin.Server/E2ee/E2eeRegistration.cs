using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.E2ee.Federation;
using Myelin.Server.Federation.Edus;

namespace Myelin.Server.E2ee;

public static class E2eeRegistration
{
    public static IServiceCollection AddE2ee(this IServiceCollection services)
    {
        services.AddSingleton<E2eeKeyService>();
        services.AddSingleton<RemoteDeviceLists>();
        services.AddHostedService(sp => sp.GetRequiredService<RemoteDeviceLists>());
        services.AddSingleton<RemoteDeviceKeys>();
        services.AddSingleton<DeviceListAnnouncer>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceListAnnouncer>());
        services.AddSingleton<IEduHandler, DeviceListUpdateEduHandler>();
        services.AddSingleton<IEduHandler, SigningKeyUpdateEduHandler>();
        services.AddSingleton<IEduHandler, DirectToDeviceEduHandler>();
        services.AddSingleton<SendToDeviceService>();
        services.AddSingleton<CrossSigningService>();
        services.AddSingleton<RoomKeyBackupService>();
        return services;
    }
}
