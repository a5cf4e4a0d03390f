using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Search;

public static class SearchRegistration
{
    /// <summary>Server-side search and the start-up backfill of the search index.</summary>
    public static IServiceCollection AddSearch(this IServiceCollection services)
    {
        services.AddSingleton<SearchService>();
        services.AddHostedService<SearchIndexBackfill>();
        return services;
    }
}
