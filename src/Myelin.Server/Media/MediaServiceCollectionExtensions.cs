using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Configuration;

namespace Myelin.Server.Media;

public static class MediaServiceCollectionExtensions
{
    public static IServiceCollection AddMedia(this IServiceCollection services)
    {
        services.AddSingleton<IMediaFileStore>(sp => new LocalMediaFileStore(sp.GetRequiredService<MyelinConfig>().MediaStorePath));
        services.AddSingleton<MediaService>();
        return services;
    }
}
