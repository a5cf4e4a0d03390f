using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Keys;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;
using Myelin.Storage;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>
/// E2EE between two real servers end to end: to-device messages over m.direct_to_device, and device-list changes of
/// a user reaching the other server's users who share a room with them (m.device_list_update, m.signing_key_update).
/// spec: server-server "Send-to-device messaging", "Device Management", "End-to-End Encryption".
/// </summary>
public abstract class FederatedE2eeTests
{
    private const string V3 = "/_matrix/client/v3";

    protected abstract TestEngine Engine { get; }

    private static List<JsonObject> ToDevice(JsonObject sync) => [.. sync["to_device"]!["events"]!.AsArray().Select(e => e!.AsObject())];

    /// <summary>Polls until <paramref name="condition"/> holds (15 s at most).</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>A second logged-in device of <paramref name="user"/>, created in the database (login is not what is tested).</summary>
    private static async Task<TestUser> AddDeviceAsync(TestUser user, string deviceId)
    {
        var database = user.Server.Services.GetRequiredService<MyelinDatabase>();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True(await database.Devices.CreateAsync(user.UserId, DeviceId.Parse(deviceId), null, now));
        string token = "syt_" + Guid.NewGuid().ToString("N");
        await database.AccessTokens.AddAsync(token, user.UserId, DeviceId.Parse(deviceId), now);
        return new TestUser(user.Server, user.UserId, token, deviceId, "");
    }

    [Fact]
    public async Task To_device_messages_reach_a_remote_users_devices_once_per_transaction()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var alice = await a.Server.CreateUserAsync("alice");
        var bob = await b.Server.CreateUserAsync("bob");
        var bobLaptop = await AddDeviceAsync(bob, "LAPTOP");
        var carol = await b.Server.CreateUserAsync("carol");
        string bobSince = SyncClient.NextBatch(await bob.SyncAsync());
        string laptopSince = SyncClient.NextBatch(await bobLaptop.SyncAsync());
        string carolSince = SyncClient.NextBatch(await carol.SyncAsync());

        var body = new JsonObject
        {
            ["messages"] = new JsonObject
            {
                [bob.UserId.Value] = new JsonObject { [bob.DeviceId] = new JsonObject { ["to"] = "phone" } },
                [carol.UserId.Value] = new JsonObject { ["*"] = new JsonObject { ["to"] = "all" } },
            },
        };
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.test/txn1", body.DeepClone()));
        // A retried request (same transaction ID) is not delivered twice.
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.test/txn1", body.DeepClone()));

        JsonObject? received = null;
        await WaitUntilAsync(async () => (received = ToDevice(await bob.SyncAsync(bobSince)).SingleOrDefault()) is not null, "the message on Bob's phone");
        Assert.Equal(alice.UserId.Value, received!["sender"]!.GetValue<string>());
        Assert.Equal("m.test", received["type"]!.GetValue<string>());
        Assert.Equal("phone", received["content"]!["to"]!.GetValue<string>());
        await WaitUntilAsync(async () => ToDevice(await carol.SyncAsync(carolSince)).Count == 1, "the message on Carol's device");

        // A later message proves the earlier ones were all delivered: the retry added nothing, the laptop got nothing.
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/sendToDevice/m.test/txn2", new JsonObject
        {
            ["messages"] = new JsonObject { [bob.UserId.Value] = new JsonObject { [bob.DeviceId] = new JsonObject { ["to"] = "again" } } },
        }));
        await WaitUntilAsync(async () => ToDevice(await bob.SyncAsync(bobSince)).Count == 2, "the second message");
        Assert.Equal(["phone", "again"], ToDevice(await bob.SyncAsync(bobSince)).Select(m => m["content"]!["to"]!.GetValue<string>()));
        Assert.Empty(ToDevice(await bobLaptop.SyncAsync(laptopSince)));
        Assert.Single(ToDevice(await carol.SyncAsync(carolSince)));
    }

    [Fact]
    public async Task Device_changes_of_a_user_reach_the_servers_sharing_a_room_with_them()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var alice = await a.Server.CreateUserAsync("alice");
        using var bob = await E2eeTestUser.CreateAsync(b.Server, "bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.User.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}?via={Uri.EscapeDataString(a.ServerName.Value)}", new { }));
        var bobId = bob.User.UserId;
        var cache = a.Host.Database.RemoteDeviceLists;

        async Task<JsonObject> QueryBobAsync() => await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [bobId.Value] = new JsonArray() } }));
        Assert.NotNull((await QueryBobAsync())["device_keys"]![bobId.Value]![bob.User.DeviceId]);
        Assert.NotNull(await cache.GetStateAsync(bobId));
        string since = SyncClient.NextBatch(await alice.SyncAsync());

        // A new device with keys: B announces it, A applies it and tells Alice's client.
        var tablet = await AddDeviceAsync(bob.User, "TABLET");
        using var tabletKeys = new DeviceKeyMaterial(tablet);
        await MatrixAssert.OkAsync(await tablet.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = tabletKeys.DeviceKeys() }));
        await WaitUntilAsync(async () => (await cache.GetDevicesAsync([bobId])).Any(d => d.DeviceId.Value == "TABLET" && d.KeyJson is not null), "the new device on A");
        await WaitUntilAsync(async () => (await alice.SyncAsync(since))["device_lists"]!["changed"]!.AsArray().Any(u => u!.GetValue<string>() == bobId.Value),
            "Bob in Alice's device_lists.changed");
        var query = await QueryBobAsync();
        Assert.Equal([bob.User.DeviceId, "TABLET"], query["device_keys"]![bobId.Value]!.AsObject().Select(d => d.Key).Order(StringComparer.Ordinal));

        // Renamed, then deleted.
        await MatrixAssert.OkAsync(await tablet.PutAsync(V3 + "/devices/TABLET", new { display_name = "Bob's tablet" }));
        await WaitUntilAsync(async () => (await cache.GetDevicesAsync([bobId])).Any(d => d.DisplayName == "Bob's tablet"), "the new name on A");
        await b.Host.Database.Devices.DeleteAsync(bobId, [DeviceId.Parse("TABLET")]);
        await WaitUntilAsync(async () => (await cache.GetDevicesAsync([bobId])).All(d => d.DeviceId.Value != "TABLET"), "the deletion on A");
        Assert.False((await cache.GetStateAsync(bobId))!.Stale);

        // The chain was followed, not refetched: the cached stream ID is B's latest announcement.
        Assert.Equal((await b.Host.Database.DeviceListOutbound.GetAnnouncedAsync(bobId))!.StreamId, (await cache.GetStateAsync(bobId))!.StreamId);

        // Bob leaves the only room he shared with A's users: B stops sending his updates, so A forgets his list.
        await MatrixAssert.OkAsync(await bob.User.RoomPostAsync(room, "leave"));
        await WaitUntilAsync(async () => await cache.GetStateAsync(bobId) is null, "A dropping Bob's cached list");
        Assert.Empty(await cache.GetDevicesAsync([bobId]));
    }

    [Fact]
    public async Task Cross_signing_keys_uploaded_after_joining_reach_the_other_server()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var alice = await a.Server.CreateUserAsync("alice");
        var dave = await b.Server.CreateUserAsync("dave");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await dave.PostAsync($"{V3}/join/{Uri.EscapeDataString(room)}?via={Uri.EscapeDataString(a.ServerName.Value)}", new { }));
        using var keys = new CrossSigningKeyMaterial(dave.UserId.Value);

        await MatrixAssert.OkAsync(await dave.PostAsync(V3 + "/keys/device_signing/upload", new JsonObject
        {
            ["master_key"] = keys.MasterKey(),
            ["self_signing_key"] = keys.SelfSigningKey(),
            ["user_signing_key"] = keys.UserSigningKey(),
        }));

        // Nobody on A asked for Dave's keys: they arrive by m.signing_key_update alone (the user-signing key stays private).
        var cache = a.Host.Database.RemoteDeviceLists;
        await WaitUntilAsync(async () => (await cache.GetCrossSigningKeysAsync(dave.UserId)).Count == 2, "Dave's cross-signing keys on A");
        var stored = await cache.GetCrossSigningKeysAsync(dave.UserId);
        Assert.True(JsonNode.DeepEquals(keys.MasterKey(), JsonNode.Parse(stored["master"])));
        Assert.True(JsonNode.DeepEquals(keys.SelfSigningKey(), JsonNode.Parse(stored["self_signing"])));
    }
}

public sealed class FederatedE2eeTests_Sqlite : FederatedE2eeTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class FederatedE2eeTests_Postgres : FederatedE2eeTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
