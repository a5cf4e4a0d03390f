using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Hosting;
using Myelin.Server.Presence;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Presence;

/// <summary>
/// Presence timers that keep servers in agreement (as Synapse's FEDERATION_TIMEOUT / FEDERATION_PING_INTERVAL): a
/// local user who stays online unchanged is announced again every 25 minutes, and another server's user of whom we
/// hear nothing for 30 minutes goes offline.
/// </summary>
public sealed class PresenceFederationTimersTests
{
    private static async Task<(TestHomeserver Server, FakeTimeProvider Time, PresenceTracker Presence)> StartAsync()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await TestHomeserver.StartAsync(options: new MyelinHostOptions
        {
            ConsoleLogging = false,
            ConfigureServices = services => services.AddSingleton<TimeProvider>(time),
        });
        return (server, time, server.Services.GetRequiredService<PresenceTracker>());
    }

    [Fact]
    public async Task A_local_user_online_and_unchanged_is_announced_again_every_25_minutes()
    {
        var (server, time, presence) = await StartAsync();
        await using var _ = server;
        var alice = UserId.Parse("@alice:localhost");
        var announced = new List<PresenceStatus>();
        presence.Changed += status => { lock (announced) { announced.Add(status); } };

        await presence.SyncedAsync(alice, PresenceStates.Online);
        Assert.Single(announced);
        // A client syncing every 30 s keeps the user online and active: nothing changes for anyone to see…
        for (int i = 0; i < 48; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await presence.SyncedAsync(alice, PresenceStates.Online);
        }
        Assert.Single(announced);
        // …but past 25 minutes the unchanged state is sent again, so other servers do not time the user out.
        for (int i = 0; i < 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await presence.SyncedAsync(alice, PresenceStates.Online);
        }
        lock (announced)
        {
            Assert.Equal(2, announced.Count);
            Assert.Equal((PresenceStates.Online, true), (announced[1].Presence, announced[1].CurrentlyActive));
        }
    }

    [Fact]
    public async Task A_remote_user_not_heard_of_for_30_minutes_goes_offline()
    {
        var (server, time, presence) = await StartAsync();
        await using var _ = server;
        var bob = UserId.Parse("@bob:remote.example");

        await presence.SetRemoteAsync(bob, PresenceStates.Online, "here", lastActiveAgo: null, currentlyActive: true);
        Assert.Equal(PresenceStates.Online, presence.Get(bob)!.Presence);
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(PresenceStates.Online, presence.Get(bob)!.Presence);
        // A fresh update restarts the clock.
        await presence.SetRemoteAsync(bob, PresenceStates.Online, "here", lastActiveAgo: 0, currentlyActive: true);
        time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(PresenceStates.Online, presence.Get(bob)!.Presence);
        time.Advance(TimeSpan.FromMinutes(11));
        var status = presence.Get(bob)!;
        Assert.Equal((PresenceStates.Offline, false, "here"), (status.Presence, status.CurrentlyActive, status.StatusMessage));
    }
}
