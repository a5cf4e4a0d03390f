using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;
using Myelin.Server.Rooms;
using Myelin.Server.Tests.Support;
using Myelin.Storage;
using Myelin.Storage.Push;

namespace Myelin.Server.Tests.ClientApi.Push;

/// <summary>The push queue is durable: a push the gateway refused before a restart is delivered after it.</summary>
public class PushRestartTests
{
    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_push_queued_before_a_restart_is_delivered_after_it(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        bool gatewayUp = false;
        gateway.Respond = _ => Volatile.Read(ref gatewayUp)
            ? (200, new JsonObject { ["rejected"] = new JsonArray() })
            : (503, new JsonObject { ["error"] = "maintenance" });
        await using var database = await TestDatabase.CreateAsync(engine);
        var config = MyelinConfig.CreateDefault(ServerName.Parse("localhost"), database.Directory) with
        {
            Database = database.Config,
            Listeners = [ListenerConfig.Http(IPAddress.Loopback, 0)],
            RateLimiting = new RateLimitingConfig { Enabled = false },
            IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8")],
            Push = new PushConfig { InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromMilliseconds(500) },
        };
        var alice = UserId.Parse("@alice:localhost");
        var bob = UserId.Parse("@bob:localhost");
        EventId message;

        await using (var first = await MyelinHost.StartAsync(config, new MyelinHostOptions { ConsoleLogging = false }))
        {
            var writer = first.Services.GetRequiredService<RoomEventWriter>();
            var db = first.Services.GetRequiredService<MyelinDatabase>();
            await db.Pushers.SetAsync(new Pusher
            {
                UserId = bob,
                AppId = "org.example.app",
                Pushkey = "bob",
                Kind = "http",
                AppDisplayName = "App",
                DeviceDisplayName = "Phone",
                Lang = "en",
                Data = new JsonObject { ["url"] = gateway.NotifyUrl }.ToJsonString(),
                PushkeyTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            }, append: false);
            var room = await writer.CreateRoomAsync(KnownRoomVersions.All["12"], alice, Json(new { room_version = "12" }), CancellationToken.None);
            await writer.SendAsync(new NewEvent(room, alice, EventTypes.Member, Json(new { membership = "join" })) { StateKey = alice.Value }, CancellationToken.None);
            await writer.SendAsync(new NewEvent(room, alice, EventTypes.JoinRules, Json(new { join_rule = "public" })) { StateKey = "" }, CancellationToken.None);
            await writer.SendAsync(new NewEvent(room, bob, EventTypes.Member, Json(new { membership = "join" })) { StateKey = bob.Value }, CancellationToken.None);
            message = (await writer.SendAsync(new NewEvent(room, alice, EventTypes.Message,
                Json(new Dictionary<string, object> { ["msgtype"] = "m.text", ["body"] = "wake up", ["m.mentions"] = new { user_ids = new[] { bob.Value } } })),
                CancellationToken.None)).EventId;
            // The gateway is down: the push is tried, refused, and stays queued.
            await gateway.WaitForAsync(b => b["notification"]?["event_id"]?.GetValue<string>() == message.Value);
            Assert.Equal(1, await db.Pushers.CountQueuedAsync());
        }

        int beforeRestart = gateway.Received.Count;
        Volatile.Write(ref gatewayUp, true);
        await using var second = await MyelinHost.StartAsync(config, new MyelinHostOptions { ConsoleLogging = false });
        var bodies = await gateway.WaitForAsync(b => b["notification"]?["event_id"]?.GetValue<string>() == message.Value, count: beforeRestart + 1);
        Assert.Equal("wake up", bodies[^1]["notification"]!["content"]!["body"]!.GetValue<string>());
        var secondDb = second.Services.GetRequiredService<MyelinDatabase>();
        await PushDeliveryTests.WaitUntilAsync(async () => await secondDb.Pushers.CountQueuedAsync() == 0);
    }
}
