using System.Diagnostics;
using Myelin.Server.Configuration;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Federation.Membership;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation;

/// <summary><c>rate_limiting.rc_federation</c>: inbound federation requests limited per origin server (as Synapse).</summary>
public sealed class FederationRateLimitTests
{
    [Fact]
    public async Task A_server_sending_too_fast_is_slowed_then_refused_while_other_servers_are_not()
    {
        await using var a = await FederatedHomeserver.StartAsync(configure: c => c with
        {
            RateLimiting = new RateLimitingConfig
            {
                Enabled = true,
                Federation = new FederationRateLimitConfig
                {
                    WindowSize = TimeSpan.FromSeconds(30), SleepLimit = 1, SleepDelay = TimeSpan.FromSeconds(2), RejectLimit = 0, Concurrent = 1,
                },
            },
        });
        await using var b = await FederatedHomeserver.StartAsync();
        await using var c = await FederatedHomeserver.StartAsync();
        await a.Server.CreateUserAsync("alice", "Alice");
        string path = $"/_matrix/federation/v1/query/profile?user_id={Uri.EscapeDataString($"@alice:{a.ServerName}")}";

        // The first request of the window goes straight through.
        await MatrixAssert.OkAsync(await a.SignedAsync(b, HttpMethod.Get, path));
        // The second is over sleep_limit: it waits sleep_delay before it is processed.
        var clock = Stopwatch.StartNew();
        var delayed = a.SignedAsync(b, HttpMethod.Get, path);
        await Task.Delay(500);
        // A third, while one already waits (more than reject_limit = 0), is refused.
        var refused = await MatrixAssert.ErrorAsync(await a.SignedAsync(b, HttpMethod.Get, path), 429, "M_LIMIT_EXCEEDED");
        Assert.True(refused["retry_after_ms"]!.GetValue<long>() > 0);
        // Another server has its own budget.
        await MatrixAssert.OkAsync(await a.SignedAsync(c, HttpMethod.Get, path));

        await MatrixAssert.OkAsync(await delayed);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"the delayed request took only {clock.Elapsed}");
    }
}
