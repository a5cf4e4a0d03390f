using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Profiles;

public static class ProfilesServiceCollectionExtensions
{
    public static IServiceCollection AddProfiles(this IServiceCollection services) => services.AddSingleton<ProfileService>();
}
