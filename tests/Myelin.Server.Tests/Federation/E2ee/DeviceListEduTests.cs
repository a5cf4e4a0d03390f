using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Tests.ClientApi.Keys;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>
/// Inbound m.device_list_update and m.signing_key_update: the remote device-list cache is filled from the user's server,
/// kept current by the EDUs (in order; a gap refetches the list), served to local clients, and its changes show in
/// /sync device_lists. spec: server-server "Device Management", "End-to-End Encryption".
/// </summary>
public abstract class DeviceListEduTests
{
    private const string V3 = "/_matrix/client/v3";

    protected abstract TestEngine Engine { get; }

    private static Task HandleAsync(FederatedHomeserver server, ServerName origin, string eduType, JsonObject content) =>
        server.Server.Services.GetServices<IEduHandler>().Single(h => h.EduType == eduType)
            .HandleAsync(origin, JsonSerializer.SerializeToElement(content), CancellationToken.None);

    private static async Task<JsonObject> QueryAsync(TestUser requester, UserId user) =>
        await MatrixAssert.OkAsync(await requester.PostAsync(V3 + "/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [user.Value] = new JsonArray() } }));

    private static IReadOnlyList<string> Devices(JsonObject query, UserId user) =>
        [.. query["device_keys"]![user.Value]!.AsObject().Select(d => d.Key).Order(StringComparer.Ordinal)];

    /// <summary>Bob on B with keys, Alice on A, in a room on A that Bob is joined to; Alice's first query caches Bob's list.</summary>
    private static async Task<(E2eeTestUser Bob, TestUser Alice, long StreamId)> SetUpAsync(FederatedHomeserver a, FederatedHomeserver b)
    {
        var bob = await E2eeTestUser.CreateAsync(b.Server, "bob");
        var alice = await a.Server.CreateUserAsync("alice");
        string room = await alice.CreateRoomAsync();
        await RemoteMembership.JoinAsync(a, room, b, bob.User.UserId);
        Assert.Equal([bob.User.DeviceId], Devices(await QueryAsync(alice, bob.User.UserId), bob.User.UserId));
        var state = await a.Host.Database.RemoteDeviceLists.GetStateAsync(bob.User.UserId);
        Assert.NotNull(state);
        Assert.False(state.Stale);
        return (bob, alice, state.StreamId);
    }

    private static JsonObject Update(E2eeTestUser bob, string deviceId, long streamId, long[] prevIds, JsonObject? keys = null, bool deleted = false, string? name = null)
    {
        var update = new JsonObject
        {
            ["user_id"] = bob.User.UserId.Value,
            ["device_id"] = deviceId,
            ["stream_id"] = streamId,
            ["prev_id"] = new JsonArray([.. prevIds.Select(p => (JsonNode)p)]),
        };
        if (deleted)
        {
            update["deleted"] = true;
        }
        if (keys is not null)
        {
            update["keys"] = keys;
        }
        if (name is not null)
        {
            update["device_display_name"] = name;
        }
        return update;
    }

    [Fact]
    public async Task Updates_in_order_keep_the_cache_current_show_in_sync_and_are_served_while_the_server_is_down()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var (bob, alice, s0) = await SetUpAsync(a, b);
        using var _ = bob;
        string since = SyncClient.NextBatch(await alice.SyncAsync());
        using var tablet = new DeviceKeyMaterial(new TestUser(b.Server, bob.User.UserId, "unused", "TABLET", ""));

        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, Update(bob, "TABLET", s0 + 1, [s0], tablet.DeviceKeys(), name: "Tablet"));

        var sync = await alice.SyncAsync(since);
        Assert.Contains(bob.User.UserId.Value, sync["device_lists"]!["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
        var changes = await MatrixAssert.OkAsync(await alice.GetAsync(
            $"{V3}/keys/changes?from={Uri.EscapeDataString(since)}&to={Uri.EscapeDataString(SyncClient.NextBatch(sync))}"));
        Assert.Contains(bob.User.UserId.Value, changes["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
        // Served from the cache: Bob's server is down and the query still answers, with the new device.
        using var bKey = SigningKey.FromSeed(b.SigningKey.ExportSeed(), b.SigningKey.KeyId.Version);
        await b.Server.StopAsync();
        var cached = await QueryAsync(alice, bob.User.UserId);
        Assert.Empty(cached["failures"]!.AsObject());
        Assert.Equal([bob.User.DeviceId, "TABLET"], Devices(cached, bob.User.UserId));
        Assert.Equal("Tablet", cached["device_keys"]![bob.User.UserId.Value]!["TABLET"]!["unsigned"]!["device_display_name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(bob.CrossSigning.MasterKey(), cached["master_keys"]![bob.User.UserId.Value]));

        // A deletion, then a replay of an update already applied (ignored).
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, Update(bob, "TABLET", s0 + 2, [s0 + 1], deleted: true), bKey);
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, Update(bob, "TABLET", s0 + 1, [s0], tablet.DeviceKeys()), bKey);
        Assert.Equal([bob.User.DeviceId], Devices(await QueryAsync(alice, bob.User.UserId), bob.User.UserId));

        // A gap while the server is down: the list cannot be refetched, so it is stale and queries go to the server.
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, Update(bob, "TABLET", s0 + 10, [s0 + 9], tablet.DeviceKeys()), bKey);
        Assert.True((await a.Host.Database.RemoteDeviceLists.GetStateAsync(bob.User.UserId))!.Stale);
        var unreachable = await QueryAsync(alice, bob.User.UserId);
        Assert.Equal([b.ServerName.Value], unreachable["failures"]!.AsObject().Select(f => f.Key));

        // Back up: the next query refetches the list and the cache is current again.
        await b.Server.StartAgainAsync();
        // Polled: the first request may still meet a connection to the stopped instance.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15);
        JsonObject refetched;
        while ((refetched = await QueryAsync(alice, bob.User.UserId))["failures"]!.AsObject().Count > 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"B still unreachable: {refetched["failures"]!.ToJsonString()}");
            await Task.Delay(200);
        }
        Assert.Equal([bob.User.DeviceId], Devices(refetched, bob.User.UserId));
        Assert.False((await a.Host.Database.RemoteDeviceLists.GetStateAsync(bob.User.UserId))!.Stale);
    }

    [Fact]
    public async Task An_update_after_a_lost_one_refetches_the_list_from_the_users_server()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var (bob, alice, s0) = await SetUpAsync(a, b);
        using var _ = bob;
        using var ghost = new DeviceKeyMaterial(new TestUser(b.Server, bob.User.UserId, "unused", "GHOST", ""));

        // prev_id names an update never received: the EDU is not applied as is; the list is refetched from B,
        // which knows no GHOST device.
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, Update(bob, "GHOST", s0 + 5, [s0 + 4], ghost.DeviceKeys()));
        var cached = await a.Host.Database.RemoteDeviceLists.GetDevicesAsync([bob.User.UserId]);
        Assert.Equal([bob.User.DeviceId], cached.Select(d => d.DeviceId.Value));
        Assert.False((await a.Host.Database.RemoteDeviceLists.GetStateAsync(bob.User.UserId))!.Stale);

        // Alice, the last local user in a room with Bob, leaves: nobody here tracks Bob any more.
        var room = Assert.Single(await a.Host.Database.Memberships.GetRoomsForUserAsync(alice.UserId, "join"));
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room.Value, "leave"));
        Assert.Null(await a.Host.Database.RemoteDeviceLists.GetStateAsync(bob.User.UserId));
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, Update(bob, "GHOST", s0 + 6, [s0 + 5], ghost.DeviceKeys()));
        Assert.Null(await a.Host.Database.RemoteDeviceLists.GetStateAsync(bob.User.UserId));
    }

    [Fact]
    public async Task Updates_from_another_origin_or_about_users_nobody_here_shares_a_room_with_are_ignored()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var (bob, alice, s0) = await SetUpAsync(a, b);
        using var _ = bob;
        using var forged = new DeviceKeyMaterial(new TestUser(b.Server, bob.User.UserId, "unused", "FORGED", ""));

        await HandleAsync(a, ServerName.Parse("evil.example"), EduTypes.DeviceListUpdate, Update(bob, "FORGED", s0 + 1, [s0], forged.DeviceKeys()));
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, new JsonObject { ["user_id"] = bob.User.UserId.Value, ["device_id"] = "X", ["stream_id"] = "7" });
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, Update(bob, "FORGED", s0 + 1, [s0], new JsonObject { ["user_id"] = "@mallory:evil.example" }));
        var devices = await a.Host.Database.RemoteDeviceLists.GetDevicesAsync([bob.User.UserId]);
        // The last one is applied (its chain is fine) but its keys name another user, so the device has no keys.
        Assert.Equal([(bob.User.DeviceId, "keys"), ("FORGED", (string?)null)], devices.Select(d => (d.DeviceId.Value, d.KeyJson is null ? null : "keys")));
        Assert.DoesNotContain("FORGED", Devices(await QueryAsync(alice, bob.User.UserId), bob.User.UserId));

        var carol = UserId.Parse($"@carol:{b.ServerName}");
        await SignedTransaction.SendEduAsync(a, b, EduTypes.DeviceListUpdate, new JsonObject
        {
            ["user_id"] = carol.Value, ["device_id"] = "C", ["stream_id"] = 1, ["prev_id"] = new JsonArray(),
        });
        Assert.Null(await a.Host.Database.RemoteDeviceLists.GetStateAsync(carol));
    }

    [Fact]
    public async Task Signing_key_updates_replace_the_cached_cross_signing_keys()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var (bob, alice, _) = await SetUpAsync(a, b);
        using var __ = bob;
        using var replacement = new CrossSigningKeyMaterial(bob.User.UserId.Value);
        string since = SyncClient.NextBatch(await alice.SyncAsync());

        await HandleAsync(a, ServerName.Parse("evil.example"), EduTypes.SigningKeyUpdate, new JsonObject
        {
            ["user_id"] = bob.User.UserId.Value, ["master_key"] = replacement.MasterKey(),
        });
        Assert.True(JsonNode.DeepEquals(bob.CrossSigning.MasterKey(), (await QueryAsync(alice, bob.User.UserId))["master_keys"]![bob.User.UserId.Value]));

        await SignedTransaction.SendEduAsync(a, b, EduTypes.SigningKeyUpdate, new JsonObject
        {
            ["user_id"] = bob.User.UserId.Value, ["master_key"] = replacement.MasterKey(), ["self_signing_key"] = replacement.SelfSigningKey(),
        });
        var query = await QueryAsync(alice, bob.User.UserId);
        Assert.True(JsonNode.DeepEquals(replacement.MasterKey(), query["master_keys"]![bob.User.UserId.Value]));
        Assert.True(JsonNode.DeepEquals(replacement.SelfSigningKey(), query["self_signing_keys"]![bob.User.UserId.Value]));
        Assert.Contains(bob.User.UserId.Value, (await alice.SyncAsync(since))["device_lists"]!["changed"]!.AsArray().Select(u => u!.GetValue<string>()));

        // A key whose usage does not match its field is not stored.
        await SignedTransaction.SendEduAsync(a, b, EduTypes.SigningKeyUpdate, new JsonObject
        {
            ["user_id"] = bob.User.UserId.Value, ["master_key"] = bob.CrossSigning.SelfSigningKey(),
        });
        Assert.True(JsonNode.DeepEquals(replacement.MasterKey(), (await QueryAsync(alice, bob.User.UserId))["master_keys"]![bob.User.UserId.Value]));
    }
}

public sealed class DeviceListEduTests_Sqlite : DeviceListEduTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class DeviceListEduTests_Postgres : DeviceListEduTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
