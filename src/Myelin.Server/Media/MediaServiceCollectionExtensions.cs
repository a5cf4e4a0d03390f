using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Configuration;

namespace Myelin.Server.Media;

public static class MediaServiceCollectionExtensions
{
    public static IServiceCollection AddMedia(this IServiceCollection services)
    {
        services.AddSingleton<IMediaFileStore>(sp => new LocalMediaFileStore(sp.GetRequiredService<MyelinConfig>().MediaStorePath));
        services.AddSingleton<MediaService>();
        // Other servers' media lives in its own file store, so evicting it can never touch a local upload's file.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RemoteMediaCache>(sp,
            (IMediaFileStore)new LocalMediaFileStore(Path.Combine(sp.GetRequiredService<MyelinConfig>().MediaStorePath, "remote"))));
        services.AddSingleton<Previews.UrlPreviewFetcher>();
        services.AddSingleton<Previews.UrlPreviewer>();
        services.AddHostedService<MediaRetention>();
        return services;
    }
}
