using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Myelin.Server.Notifications;
using Myelin.Server.Presence;
using Myelin.Server.Receipts;

namespace Myelin.Server.Sync;

/// <summary>DI registration for /sync and the streams it serves (receipts, presence, unread counts).</summary>
public static class SyncRegistration
{
    public static IServiceCollection AddSync(this IServiceCollection services)
    {
        services.AddSingleton<LazyLoadedMembers>();
        services.AddSingleton<SyncComputer>();
        services.AddSingleton<SyncService>();
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<UnreadCounter>();
        services.AddSingleton<ReceiptService>();
        // The unread counter must listen from the first event on, not from the first /sync.
        services.AddHostedService<UnreadCounterActivation>();
        return services;
    }

    private sealed class UnreadCounterActivation(UnreadCounter counter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = counter;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
