using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;
using Myelin.Storage;

namespace Myelin.Server.Tests.ClientApi.Push;

/// <summary>
/// Pushes reach a real push gateway (Kestrel on loopback): spec push-gateway "POST /_matrix/push/v1/notify",
/// retries with backoff, and <c>rejected</c> pushkeys lose their pusher.
/// </summary>
public class PushDeliveryTests
{
    private static async Task<(TestUser Alice, TestUser Bob, string Room)> RoomAsync(TestHomeserver server)
    {
        var alice = await server.CreateUserAsync(displayName: "Alice");
        var bob = await server.CreateUserAsync(displayName: "Bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", name = "Mission Control" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        return (alice, bob, room);
    }

    private static async Task<string> MentionAsync(TestUser sender, string room, TestUser mentioned, string body)
    {
        var response = await MatrixAssert.OkAsync(await sender.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/{Guid.NewGuid():N}",
            new Dictionary<string, object>
            {
                ["msgtype"] = "m.text",
                ["body"] = body,
                ["m.mentions"] = new { user_ids = new[] { mentioned.UserId.Value } },
            }));
        return response["event_id"]!.GetValue<string>();
    }

    private static string EventIdOf(JsonObject body) => body["notification"]?["event_id"]?.GetValue<string>() ?? "";

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_mention_is_pushed_in_full_and_event_id_only_formats(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        await using var server = await PushTestServer.StartAsync(engine);
        var (alice, bob, room) = await RoomAsync(server);
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "bob-full",
            new Dictionary<string, object> { ["url"] = gateway.NotifyUrl, ["custom"] = "kept" })));
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "bob-ids",
            new Dictionary<string, object> { ["url"] = gateway.NotifyUrl, ["format"] = "event_id_only" })));
        // The sender's own pusher is never used for their own events.
        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "alice")));

        string eventId = await MentionAsync(alice, room, bob, "Hey Bob, are you there?");
        var bodies = await gateway.WaitForAsync(b => EventIdOf(b) == eventId, count: 2);

        var full = bodies.Single(b => b["notification"]!["devices"]![0]!["pushkey"]!.GetValue<string>() == "bob-full")["notification"]!.AsObject();
        Assert.Equal(room, full["room_id"]!.GetValue<string>());
        Assert.Equal("m.room.message", full["type"]!.GetValue<string>());
        Assert.Equal(alice.UserId.Value, full["sender"]!.GetValue<string>());
        Assert.Equal("Alice", full["sender_display_name"]!.GetValue<string>());
        Assert.Equal("Mission Control", full["room_name"]!.GetValue<string>());
        Assert.Equal("Hey Bob, are you there?", full["content"]!["body"]!.GetValue<string>());
        Assert.Equal("high", full["prio"]!.GetValue<string>());
        Assert.Equal(1, full["counts"]!["unread"]!.GetValue<long>());
        var device = Assert.Single(full["devices"]!.AsArray())!.AsObject();
        Assert.Equal("org.example.app", device["app_id"]!.GetValue<string>());
        long pushkeyTs = device["pushkey_ts"]!.GetValue<long>();
        Assert.InRange(pushkeyTs, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal("kept", device["data"]!["custom"]!.GetValue<string>());
        Assert.False(device["data"]!.AsObject().ContainsKey("url"));
        Assert.True(device["tweaks"]!["highlight"]!.GetValue<bool>());
        Assert.Equal("default", device["tweaks"]!["sound"]!.GetValue<string>());

        var idOnly = bodies.Single(b => b["notification"]!["devices"]![0]!["pushkey"]!.GetValue<string>() == "bob-ids")["notification"]!.AsObject();
        Assert.Equal(room, idOnly["room_id"]!.GetValue<string>());
        Assert.Equal(1, idOnly["counts"]!["unread"]!.GetValue<long>());
        Assert.False(idOnly.ContainsKey("content"));
        Assert.False(idOnly.ContainsKey("sender"));
        Assert.False(idOnly.ContainsKey("type"));
        Assert.Equal("event_id_only", idOnly["devices"]![0]!["data"]!["format"]!.GetValue<string>());

        Assert.DoesNotContain(gateway.Received, b => b["notification"]!["devices"]![0]!["pushkey"]!.GetValue<string>() == "alice");
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        await WaitUntilAsync(async () => await database.Pushers.CountQueuedAsync() == 0);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_failing_gateway_is_retried_until_it_accepts(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        int failures = 0;
        gateway.Respond = _ => Interlocked.Increment(ref failures) <= 2
            ? (502, new JsonObject { ["error"] = "upstream down" })
            : (200, new JsonObject { ["rejected"] = new JsonArray() });
        await using var server = await PushTestServer.StartAsync(engine);
        var (alice, bob, room) = await RoomAsync(server);
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "bob")));

        string eventId = await MentionAsync(alice, room, bob, "ping");
        var attempts = await gateway.WaitForAsync(b => EventIdOf(b) == eventId, count: 3);
        Assert.Equal(3, attempts.Count);
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        await WaitUntilAsync(async () => await database.Pushers.CountQueuedAsync() == 0);
        // Delivered: no further attempts for the event.
        await Task.Delay(600);
        Assert.Equal(3, gateway.Received.Count(b => EventIdOf(b) == eventId));
        Assert.Single((await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/pushers")))["pushers"]!.AsArray());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_rejected_pushkey_loses_its_pusher(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        gateway.Respond = body => (200, new JsonObject
        {
            ["rejected"] = new JsonArray(body["notification"]!["devices"]![0]!["pushkey"]!.GetValue<string>()),
        });
        await using var server = await PushTestServer.StartAsync(engine);
        var (alice, bob, room) = await RoomAsync(server);
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "expired-token")));
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher("https://other.example.org/_matrix/push/v1/notify",
            "other", appId: "org.example.other")));

        await MentionAsync(alice, room, bob, "are you still there?");
        await gateway.WaitForAsync(_ => true);
        await WaitUntilAsync(async () =>
            (await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/pushers")))["pushers"]!.AsArray().Count == 1);
        var remaining = Assert.Single((await MatrixAssert.OkAsync(await bob.GetAsync("/_matrix/client/v3/pushers")))["pushers"]!.AsArray())!;
        Assert.Equal("other", remaining["pushkey"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Pushes_queued_for_an_unreachable_gateway_are_not_lost(TestEngine engine)
    {
        // A gateway address nothing listens on: every attempt fails and the push stays queued.
        await using var server = await PushTestServer.StartAsync(engine);
        var (alice, bob, room) = await RoomAsync(server);
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher("http://127.0.0.1:9/_matrix/push/v1/notify", "bob")));
        await MentionAsync(alice, room, bob, "hello?");
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        Assert.Equal(1, await database.Pushers.CountQueuedAsync());
        await WaitUntilAsync(async () => (await database.Pushers.GetDueAsync(long.MaxValue, 10)).Single().Attempts >= 2);
        Assert.Equal(1, await database.Pushers.CountQueuedAsync());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_push_for_an_event_read_meanwhile_is_dropped_not_sent(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        gateway.Respond = _ => (503, new JsonObject { ["error"] = "down" });
        await using var server = await PushTestServer.StartAsync(engine);
        var (alice, bob, room) = await RoomAsync(server);
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "bob")));
        string eventId = await MentionAsync(alice, room, bob, "did you read this?");
        await gateway.WaitForAsync(b => EventIdOf(b) == eventId);

        // The gateway never recovers, yet the queue empties: once read, the push is dropped at its next turn.
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/receipt/m.read/{Uri.EscapeDataString(eventId)}", new { }));
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        await WaitUntilAsync(async () => await database.Pushers.CountQueuedAsync() == 0);
        int attempts = gateway.Received.Count;
        await Task.Delay(600);
        Assert.Equal(attempts, gateway.Received.Count);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Without_include_content_the_push_carries_no_content_or_names(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        await using var server = await TestHomeserver.StartAsync(engine, config => config with
        {
            IpRangeWhitelist = [System.Net.IPNetwork.Parse("127.0.0.1/32")],
            Push = new Myelin.Server.Configuration.PushConfig { IncludeContent = false },
        });
        var (alice, bob, room) = await RoomAsync(server);
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "bob")));
        string eventId = await MentionAsync(alice, room, bob, "private words");
        var notification = (await gateway.WaitForAsync(b => EventIdOf(b) == eventId))[0]["notification"]!.AsObject();
        Assert.Equal(alice.UserId.Value, notification["sender"]!.GetValue<string>());
        Assert.Equal("m.room.message", notification["type"]!.GetValue<string>());
        Assert.False(notification.ContainsKey("content"));
        Assert.False(notification.ContainsKey("sender_display_name"));
        Assert.False(notification.ContainsKey("room_name"));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Gateways_on_blacklisted_addresses_are_not_contacted(TestEngine engine)
    {
        await using var gateway = await TestPushGateway.StartAsync();
        // The default ip_range_blacklist includes loopback: without a whitelist entry the gateway is unreachable.
        await using var server = await TestHomeserver.StartAsync(engine, config => config with
        {
            Push = new Myelin.Server.Configuration.PushConfig { InitialBackoff = TimeSpan.FromMilliseconds(100) },
        });
        var (alice, bob, room) = await RoomAsync(server);
        await MatrixAssert.OkAsync(await bob.PostAsync("/_matrix/client/v3/pushers/set", PushTestServer.HttpPusher(gateway.NotifyUrl, "bob")));
        await MentionAsync(alice, room, bob, "hello");
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        await WaitUntilAsync(async () => (await database.Pushers.GetDueAsync(long.MaxValue, 10)).Single().Attempts >= 1);
        Assert.Empty(gateway.Received);
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(50);
        }
    }
}
