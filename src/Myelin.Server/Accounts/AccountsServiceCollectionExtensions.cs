using Microsoft.Extensions.DependencyInjection;

namespace Myelin.Server.Accounts;

public static class AccountsServiceCollectionExtensions
{
    /// <summary>Registers the account, login and device services.</summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddSingleton<LoginService>();
        services.AddSingleton<InteractiveAuthStages>();
        services.AddSingleton<SharedSecretNonces>();
        services.AddSingleton<DeviceService>();
        services.AddSingleton<AccountDataService>();
        services.AddSingleton<PushRuleService>();
        services.AddSingleton<Filters.FilterService>();
        services.AddSingleton(sp => new AccountService(
            sp.GetRequiredService<Myelin.Storage.MyelinDatabase>(),
            sp.GetRequiredService<Configuration.MyelinConfig>(),
            sp.GetRequiredService<PasswordHasher>(),
            sp.GetRequiredService<Authentication.AccessTokenAuthenticator>(),
            sp.GetRequiredService<TimeProvider>(),
            sp));
        return services;
    }
}
