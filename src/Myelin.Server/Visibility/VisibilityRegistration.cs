using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Visibility;

public static class VisibilityRegistration
{
    public static IServiceCollection AddVisibility(this IServiceCollection services) => services.AddSingleton<HistoryVisibility>();
}
