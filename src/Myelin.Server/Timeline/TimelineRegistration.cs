using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Timeline;

public static class TimelineRegistration
{
    /// <summary>The timeline-reading services: bundled aggregations, pagination and event context.</summary>
    public static IServiceCollection AddTimeline(this IServiceCollection services)
    {
        services.AddSingleton<RelationAggregator>();
        services.AddSingleton<RoomTimeline>();
        services.AddSingleton<RoomSnapshots>();
        services.AddSingleton<EventStream>();
        return services;
    }
}
