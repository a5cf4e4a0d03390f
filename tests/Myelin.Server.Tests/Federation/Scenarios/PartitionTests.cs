using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.Federation.Scenarios.FederationScenario;

namespace Myelin.Server.Tests.Federation.Scenarios;

/// <summary>
/// Issue 5's proof 3: conflicting state made during a partition resolves to the same state on every server.
/// A's admin demotes C's moderator while, cut off from A and B, the moderator bans B's user. State resolution v2 orders
/// the admin's power-level change first (higher power), after which the moderator may no longer ban: every server must
/// end with the moderator demoted, the ban without effect, and byte-for-byte the same state event IDs.
/// </summary>
public sealed class PartitionTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_demotion_and_a_ban_by_the_demoted_moderator_resolve_to_the_same_state_everywhere(TestEngine engine)
    {
        await using var a = await FederatedHomeserver.StartAsync(engine);
        await using var b = await FederatedHomeserver.StartAsync(engine);
        await using var c = await FederatedHomeserver.StartAsync(engine);
        var admin = await a.Server.RegisterAsync("admin");
        var victim = await b.Server.RegisterAsync("victim");
        var moderator = await c.Server.RegisterAsync("moderator");
        string roomId = await CreatePublicRoomAsync(admin, "partition");
        await JoinAsync(victim, roomId, a.ServerName.Value);
        await JoinAsync(moderator, roomId, a.ServerName.Value);
        await WaitForMembershipAsync(admin, roomId, moderator.UserId.Value);
        await WaitForMembershipAsync(admin, roomId, victim.UserId.Value);

        string powerLevelsPath = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/m.room.power_levels/";
        var powerLevels = await MatrixAssert.OkAsync(await admin.GetAsync(powerLevelsPath));
        powerLevels["users"]![moderator.UserId.Value] = 50;
        await MatrixAssert.OkAsync(await admin.PutAsync(powerLevelsPath, powerLevels.ToJsonString()));
        await EventuallyAsync("the moderator's power to reach every server", async () =>
        {
            foreach (var user in new[] { victim, moderator })
            {
                var seen = await MatrixAssert.OkAsync(await user.GetAsync(powerLevelsPath));
                if (seen["users"]?[moderator.UserId.Value]?.GetValue<int>() != 50)
                {
                    return (false, $"{user.UserId}: {seen["users"]?.ToJsonString()}");
                }
            }
            return (true, "");
        });

        // Partition: C alone bans B's user...
        await a.Server.StopAsync();
        await b.Server.StopAsync();
        await MatrixAssert.OkAsync(await moderator.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/ban",
            new { user_id = victim.UserId.Value, reason = "during the partition" }));
        await c.Server.StopAsync();
        // ...while A and B, without C, see the moderator demoted.
        await a.Server.StartAgainAsync();
        await b.Server.StartAgainAsync();
        powerLevels["users"]![moderator.UserId.Value] = 0;
        await MatrixAssert.OkAsync(await admin.PutAsync(powerLevelsPath, powerLevels.ToJsonString()));
        await c.Server.StartAgainAsync();
        // Heal: every server hears from the others (C's queued ban goes out on start; A answers C's traffic with the demotion).
        await SendTextAsync(moderator, roomId, "C is back");
        await SendTextAsync(admin, roomId, "A says hello");

        var users = new[] { admin, victim, moderator };
        await EventuallyAsync("the three servers to converge on one state", async () =>
        {
            var states = new List<SortedDictionary<string, string>>();
            foreach (var user in users)
            {
                states.Add(await FullStateAsync(user, roomId));
            }
            bool same = states.Count(s => s.Count > 0) == 3 && states.All(s => s.SequenceEqual(states[0]));
            bool demotionEverywhere = true;
            foreach (var user in users)
            {
                var seen = await user.GetAsync(powerLevelsPath);
                demotionEverywhere &= seen.IsSuccessStatusCode
                    && (await MatrixAssert.OkAsync(seen))["users"]?[moderator.UserId.Value]?.GetValue<int>() == 0;
            }
            return (same && demotionEverywhere, string.Join("\n---\n", states.Select(s => string.Join("; ", s.Select(kv => $"{kv.Key}={kv.Value}")))));
        }, TimeSpan.FromSeconds(60));

        // The ban lost: the moderator had no power left once the admin's change was ordered first.
        foreach (var user in new[] { admin, moderator })
        {
            Assert.Equal("join", await MembershipAsync(user, roomId, victim.UserId.Value));
        }
    }
}
