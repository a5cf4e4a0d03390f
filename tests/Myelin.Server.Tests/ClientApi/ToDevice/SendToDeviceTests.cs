using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Accounts;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.ToDevice;

public abstract class SendToDeviceTests
{
    private const string V3 = "/_matrix/client/v3";

    protected abstract TestEngine Engine { get; }

    private static List<JsonObject> ToDevice(JsonObject sync) => sync["to_device"]!["events"]!.AsArray().Select(e => e!.AsObject()).ToList();

    [Fact]
    public async Task Messages_reach_the_named_device_and_all_devices_once_per_transaction()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        string since = SyncClient.NextBatch(await bob.SyncAsync());

        var body = new JsonObject
        {
            ["messages"] = new JsonObject
            {
                [bob.UserId.Value] = new JsonObject { [bob.DeviceId] = new JsonObject { ["n"] = 1 }, ["NOSUCHDEVICE"] = new JsonObject { ["n"] = 9 } },
                ["@carol:remote.example"] = new JsonObject { ["*"] = new JsonObject { ["n"] = 3 } },
            },
        };
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.room_key_request/txn1", body.DeepClone()));
        // The same transaction again is acknowledged without a second delivery.
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.room_key_request/txn1", body.DeepClone()));
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/txn2",
            new JsonObject { ["messages"] = new JsonObject { [bob.UserId.Value] = new JsonObject { ["*"] = new JsonObject { ["n"] = 2 } } } }));

        var sync = await bob.SyncAsync(since);
        var events = ToDevice(sync);
        Assert.Equal(2, events.Count);
        Assert.Equal("m.room_key_request", events[0]["type"]!.GetValue<string>());
        Assert.Equal(alice.UserId.Value, events[0]["sender"]!.GetValue<string>());
        Assert.Equal(1, events[0]["content"]!["n"]!.GetValue<int>());
        Assert.Equal("m.dummy", events[1]["type"]!.GetValue<string>());
        Assert.Equal(2, events[1]["content"]!["n"]!.GetValue<int>());
        // Syncing past the token acknowledges the messages.
        Assert.Empty(ToDevice(await bob.SyncAsync(SyncClient.NextBatch(sync))));
    }

    [Fact]
    public async Task A_star_message_reaches_every_device_and_sync_hands_out_at_most_100_at_a_time()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.RegisterAsync("bob", "pw");
        var login = await server.LoginAsync("bob", "pw", deviceId: "LAPTOP");
        var laptop = new TestUser(server, bob.UserId, login["access_token"]!.GetValue<string>(), "LAPTOP", "pw");
        string phoneSince = SyncClient.NextBatch(await bob.SyncAsync());
        string laptopSince = SyncClient.NextBatch(await laptop.SyncAsync());

        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/star",
            new JsonObject { ["messages"] = new JsonObject { [bob.UserId.Value] = new JsonObject { ["*"] = new JsonObject { ["n"] = 0 } } } }));
        Assert.Single(ToDevice(await bob.SyncAsync(phoneSince)));
        Assert.Single(ToDevice(await laptop.SyncAsync(laptopSince)));

        // 150 messages to the laptop: a sync returns the first 100 (spec leaves the cap to the server; Synapse uses 100),
        // the next one the rest, in order.
        string since = SyncClient.NextBatch(await laptop.SyncAsync(laptopSince));
        for (int i = 1; i <= 150; i++)
        {
            await MatrixAssert.OkAsync(await alice.PutAsync(V3 + $"/sendToDevice/m.dummy/many{i}",
                new JsonObject { ["messages"] = new JsonObject { [bob.UserId.Value] = new JsonObject { ["LAPTOP"] = new JsonObject { ["n"] = i } } } }));
        }
        var first = await laptop.SyncAsync(since);
        Assert.Equal(Enumerable.Range(1, 100), ToDevice(first).Select(e => e["content"]!["n"]!.GetValue<int>()));
        var second = await laptop.SyncAsync(SyncClient.NextBatch(first));
        Assert.Equal(Enumerable.Range(101, 50), ToDevice(second).Select(e => e["content"]!["n"]!.GetValue<int>()));
        Assert.Empty(ToDevice(await laptop.SyncAsync(SyncClient.NextBatch(second))));
    }

    [Fact]
    public async Task A_long_polling_sync_wakes_for_a_to_device_message()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        string since = SyncClient.NextBatch(await bob.SyncAsync());
        var started = DateTime.UtcNow;
        var poll = bob.SyncAsync(since, "timeout=20000");
        await Task.Delay(300);
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/t",
            new JsonObject { ["messages"] = new JsonObject { [bob.UserId.Value] = new JsonObject { [bob.DeviceId] = new JsonObject() } } }));
        var sync = await poll;
        Assert.Single(ToDevice(sync));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Malformed_requests_are_refused_and_deliver_nothing()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        string since = SyncClient.NextBatch(await bob.SyncAsync());

        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/a", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/b", new { messages = "x" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/c",
            new JsonObject { ["messages"] = new JsonObject { [bob.UserId.Value] = new JsonObject { [bob.DeviceId] = "not an object" } } }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/d",
            new JsonObject { ["messages"] = new JsonObject { ["bob"] = new JsonObject() } }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(V3 + "/sendToDevice/m.dummy/e", "not json"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PutAsync(V3 + "/sendToDevice/m.dummy/f", null), 401, "M_MISSING_TOKEN");

        Assert.Empty(ToDevice(await bob.SyncAsync(since)));
    }
}

public sealed class SendToDeviceTests_Sqlite : SendToDeviceTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class SendToDeviceTests_Postgres : SendToDeviceTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
