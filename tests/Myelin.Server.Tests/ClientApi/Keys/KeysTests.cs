using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Crypto;
using Myelin.Server.Tests.ClientApi.Accounts;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Keys;

public abstract class KeysTests
{
    private const string V3 = "/_matrix/client/v3";

    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Device_keys_are_uploaded_and_queried_with_the_display_name()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        await MatrixAssert.OkAsync(await alice.PutAsync(V3 + "/devices/" + alice.DeviceId, new { display_name = "Alice's phone" }));
        using var keys = new DeviceKeyMaterial(alice);
        var uploaded = keys.DeviceKeys();

        var upload = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = uploaded }));
        Assert.Empty(upload["one_time_key_counts"]!.AsObject());

        var query = await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [alice.UserId.Value] = new JsonArray(), [bob.UserId.Value] = new JsonArray() } }));
        Assert.Empty(query["failures"]!.AsObject());
        var device = query["device_keys"]![alice.UserId.Value]![alice.DeviceId]!.AsObject();
        Assert.Equal("Alice's phone", device["unsigned"]!["device_display_name"]!.GetValue<string>());
        Assert.Equal(uploaded["keys"]!.ToJsonString(), device["keys"]!.ToJsonString());
        Assert.Equal(uploaded["signatures"]!.ToJsonString(), device["signatures"]!.ToJsonString());
        // The served object still verifies with the device's key (unsigned is excluded from signing).
        Assert.True(JsonSigning.Verify(System.Text.Json.JsonSerializer.SerializeToElement(device), alice.UserId.Value, [keys.SigningKey.VerifyKey]).IsValid);
        Assert.Empty(query["device_keys"]![bob.UserId.Value]!.AsObject());

        // Asking for a named device that has no keys returns nothing for it; a remote server is reported in failures.
        var named = await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [alice.UserId.Value] = new JsonArray("OTHER"), ["@carol:remote.example"] = new JsonArray() } }));
        Assert.Empty(named["device_keys"]![alice.UserId.Value]!.AsObject());
        Assert.True(named["failures"]!.AsObject().ContainsKey("remote.example"));

        // Re-uploading identical keys is accepted; different identity keys are refused.
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = keys.DeviceKeys() }));
        await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = keys.DeviceKeys(curve25519: "b3RoZXJrZXk") }), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Device_keys_that_do_not_verify_or_name_another_device_are_refused_and_not_stored()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        using var keys = new DeviceKeyMaterial(alice);
        using var stranger = SigningKey.Generate("X");

        async Task RefusedAsync(object body, string errcode)
        {
            await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/keys/upload", body), 400, errcode);
        }
        await RefusedAsync(new JsonObject { ["device_keys"] = keys.DeviceKeys(signer: stranger) }, "M_INVALID_PARAM");
        await RefusedAsync(new JsonObject { ["device_keys"] = keys.DeviceKeys(userId: "@mallory:localhost") }, "M_INVALID_PARAM");
        await RefusedAsync(new JsonObject { ["device_keys"] = keys.DeviceKeys(deviceId: "OTHERDEVICE") }, "M_INVALID_PARAM");
        var unsigned = keys.DeviceKeys();
        unsigned.Remove("signatures");
        await RefusedAsync(new JsonObject { ["device_keys"] = unsigned }, "M_BAD_JSON");
        var tampered = keys.DeviceKeys();
        tampered["algorithms"] = new JsonArray("m.megolm.v1.aes-sha2");
        await RefusedAsync(new JsonObject { ["device_keys"] = tampered }, "M_INVALID_PARAM");
        var noEd25519 = keys.DeviceKeys();
        noEd25519["keys"]!.AsObject().Remove("ed25519:" + alice.DeviceId);
        await RefusedAsync(new JsonObject { ["device_keys"] = noEd25519 }, "M_INVALID_PARAM");
        await RefusedAsync(new { device_keys = "nope" }, "M_BAD_JSON");
        await RefusedAsync(new { one_time_keys = new { nocolon = "a2V5" } }, "M_INVALID_PARAM");
        await RefusedAsync(new JsonObject { ["one_time_keys"] = new JsonObject { ["signed_curve25519:A"] = 5 } }, "M_BAD_JSON");
        await RefusedAsync(new JsonObject { ["fallback_keys"] = new JsonObject { ["signed_curve25519:A"] = keys.SignedKey("a2V5", true), ["signed_curve25519:B"] = keys.SignedKey("a2V6", true) } }, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync(V3 + "/keys/upload", null), 401, "M_MISSING_TOKEN");

        var query = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [alice.UserId.Value] = new JsonArray() } }));
        Assert.Empty(query["device_keys"]![alice.UserId.Value]!.AsObject());
        var sync = await alice.SyncAsync();
        Assert.Empty(sync["device_one_time_keys_count"]!.AsObject());
        Assert.Empty(sync["device_unused_fallback_key_types"]!.AsArray());
    }

    [Fact]
    public async Task One_time_keys_are_counted_claimed_once_then_the_fallback_key_is_reused()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        using var keys = new DeviceKeyMaterial(alice);
        var otks = new JsonObject { ["signed_curve25519:AAAA"] = keys.SignedKey("a2V5MQ"), ["signed_curve25519:AAAB"] = keys.SignedKey("a2V5Mg") };

        var upload = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload",
            new JsonObject { ["device_keys"] = keys.DeviceKeys(), ["one_time_keys"] = otks.DeepClone() }));
        Assert.Equal(2, upload["one_time_key_counts"]!["signed_curve25519"]!.GetValue<int>());
        // Re-sending the same keys is idempotent; the same ID with other content is refused and changes nothing.
        upload = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["one_time_keys"] = otks.DeepClone() }));
        Assert.Equal(2, upload["one_time_key_counts"]!["signed_curve25519"]!.GetValue<int>());
        await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject
        {
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:AAAC"] = keys.SignedKey("a2V5Mw"), ["signed_curve25519:AAAA"] = keys.SignedKey("b3RoZXI") },
        }), 400, "M_INVALID_PARAM");
        Assert.Equal(2, (await alice.SyncAsync())["device_one_time_keys_count"]!["signed_curve25519"]!.GetValue<int>());

        var claimBody = new JsonObject
        {
            ["one_time_keys"] = new JsonObject
            {
                [alice.UserId.Value] = new JsonObject { [alice.DeviceId] = "signed_curve25519", ["NOSUCHDEVICE"] = "signed_curve25519" },
                ["@nobody:localhost"] = new JsonObject { ["X"] = "signed_curve25519" },
            },
        };
        var claimed = new HashSet<string>();
        for (int i = 0; i < 2; i++)
        {
            var claim = await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/claim", claimBody.DeepClone()));
            Assert.Empty(claim["failures"]!.AsObject());
            var devices = claim["one_time_keys"]![alice.UserId.Value]!.AsObject();
            var key = Assert.Single(devices[alice.DeviceId]!.AsObject());
            Assert.False(devices.ContainsKey("NOSUCHDEVICE"));
            Assert.Equal(otks[key.Key]!.ToJsonString(), key.Value!.ToJsonString());
            claimed.Add(key.Key);
        }
        Assert.Equal(2, claimed.Count);
        var exhausted = await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/claim", claimBody.DeepClone()));
        Assert.Empty(exhausted["one_time_keys"]!.AsObject());
        Assert.Empty((await alice.SyncAsync())["device_one_time_keys_count"]!.AsObject());

        var fallback = keys.SignedKey("ZmFsbGJhY2s", fallback: true);
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["fallback_keys"] = new JsonObject { ["signed_curve25519:FFFF"] = fallback.DeepClone() } }));
        Assert.Equal(["signed_curve25519"], (await alice.SyncAsync())["device_unused_fallback_key_types"]!.AsArray().Select(t => t!.GetValue<string>()));
        for (int i = 0; i < 2; i++)
        {
            var claim = await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/claim", claimBody.DeepClone()));
            Assert.Equal(fallback.ToJsonString(), claim["one_time_keys"]![alice.UserId.Value]![alice.DeviceId]!["signed_curve25519:FFFF"]!.ToJsonString());
        }
        Assert.Empty((await alice.SyncAsync())["device_unused_fallback_key_types"]!.AsArray());

        var remote = await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/claim",
            new JsonObject { ["one_time_keys"] = new JsonObject { ["@carol:remote.example"] = new JsonObject { ["D"] = "signed_curve25519" } } }));
        Assert.True(remote["failures"]!.AsObject().ContainsKey("remote.example"));
        await MatrixAssert.ErrorAsync(await bob.PostAsync(V3 + "/keys/claim", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await bob.PostAsync(V3 + "/keys/claim", new { one_time_keys = new Dictionary<string, object> { ["@a:localhost"] = "x" } }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await bob.PostAsync(V3 + "/keys/claim", new { one_time_keys = new Dictionary<string, object> { ["notauser"] = new { } } }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.PostAsync(V3 + "/keys/query", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await bob.PostAsync(V3 + "/keys/query", new { device_keys = new Dictionary<string, object> { ["@a:localhost"] = "x" } }), 400, "M_BAD_JSON");
    }

    [Fact]
    public async Task An_upload_refused_for_a_one_time_key_conflict_stores_nothing_and_key_order_is_no_conflict()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        using var keys = new DeviceKeyMaterial(alice);
        var first = keys.SignedKey("a2V5MQ");
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload",
            new JsonObject { ["one_time_keys"] = new JsonObject { ["signed_curve25519:AAAA"] = first.DeepClone() } }));

        // Device keys together with a conflicting one-time key: the whole upload is refused, the device keys too.
        await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject
        {
            ["device_keys"] = keys.DeviceKeys(),
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:AAAB"] = keys.SignedKey("a2V5Mg"), ["signed_curve25519:AAAA"] = keys.SignedKey("b3RoZXI") },
        }), 400, "M_INVALID_PARAM");
        var query = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/query",
            new JsonObject { ["device_keys"] = new JsonObject { [alice.UserId.Value] = new JsonArray() } }));
        Assert.Empty(query["device_keys"]![alice.UserId.Value]!.AsObject());
        Assert.Equal(1, (await alice.SyncAsync())["device_one_time_keys_count"]!["signed_curve25519"]!.GetValue<int>());

        // The same key with its members in another order (and other whitespace) is the same key: idempotent.
        string reordered = "{\"one_time_keys\": {\"signed_curve25519:AAAA\": {\"signatures\": " + first["signatures"]!.ToJsonString() +
            ", \"key\": \"a2V5MQ\"}}}";
        var again = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", reordered));
        Assert.Equal(1, again["one_time_key_counts"]!["signed_curve25519"]!.GetValue<int>());
    }

    [Fact]
    public async Task Key_uploads_show_in_keys_changes_and_sync_device_lists_of_users_sharing_a_room()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        var loner = await server.CreateUserAsync("loner");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/join/" + room, new { }));
        string bobSince = SyncClient.NextBatch(await bob.SyncAsync());
        string lonerSince = SyncClient.NextBatch(await loner.SyncAsync());

        using var keys = new DeviceKeyMaterial(alice);
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = keys.DeviceKeys() }));

        var bobSync = await bob.SyncAsync(bobSince);
        Assert.Contains(alice.UserId.Value, bobSync["device_lists"]!["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
        string to = SyncClient.NextBatch(bobSync);
        var changes = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/keys/changes?from={Uri.EscapeDataString(bobSince)}&to={Uri.EscapeDataString(to)}"));
        Assert.Equal([alice.UserId.Value], changes["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Empty(changes["left"]!.AsArray());
        var none = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/keys/changes?from={Uri.EscapeDataString(to)}&to={Uri.EscapeDataString(to)}"));
        Assert.Empty(none["changed"]!.AsArray());
        // A user sharing no room with alice is not told.
        var lonerChanges = await MatrixAssert.OkAsync(await loner.GetAsync($"{V3}/keys/changes?from={Uri.EscapeDataString(lonerSince)}&to={Uri.EscapeDataString(to)}"));
        Assert.Empty(lonerChanges["changed"]!.AsArray());

        // Bob leaving the only shared room puts alice in "left"; carol joining it puts her in alice's "changed".
        var carol = await server.CreateUserAsync("carol");
        string aliceSince = SyncClient.NextBatch(await alice.SyncAsync());
        await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/rooms/" + room + "/leave", new { }));
        await MatrixAssert.OkAsync(await carol.PostAsync(V3 + "/join/" + room, new { }));
        string bobNow = SyncClient.NextBatch(await bob.SyncAsync());
        var afterLeave = await MatrixAssert.OkAsync(await bob.GetAsync($"{V3}/keys/changes?from={Uri.EscapeDataString(to)}&to={Uri.EscapeDataString(bobNow)}"));
        Assert.Equal([alice.UserId.Value], afterLeave["left"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Empty(afterLeave["changed"]!.AsArray());
        string aliceNow = SyncClient.NextBatch(await alice.SyncAsync());
        var aliceChanges = await MatrixAssert.OkAsync(await alice.GetAsync($"{V3}/keys/changes?from={Uri.EscapeDataString(aliceSince)}&to={Uri.EscapeDataString(aliceNow)}"));
        Assert.Equal([carol.UserId.Value], aliceChanges["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Equal([bob.UserId.Value], aliceChanges["left"]!.AsArray().Select(u => u!.GetValue<string>()));

        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/keys/changes?to={Uri.EscapeDataString(to)}"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await bob.GetAsync($"{V3}/keys/changes?from=garbage&to={Uri.EscapeDataString(to)}"), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task A_long_polling_sync_of_a_room_mate_wakes_for_a_key_upload()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/join/" + room, new { }));
        string since = SyncClient.NextBatch(await bob.SyncAsync());
        var started = DateTime.UtcNow;
        var poll = bob.SyncAsync(since, "timeout=20000");
        await Task.Delay(300);
        using var keys = new DeviceKeyMaterial(alice);
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = keys.DeviceKeys() }));
        var sync = await poll;
        Assert.Contains(alice.UserId.Value, sync["device_lists"]!["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_long_polling_sync_of_a_room_mate_wakes_when_a_device_logs_out_or_is_deleted()
    {
        // Without the wake-up, bob's client keeps encrypting room keys for a device that is gone until its
        // long-poll times out by itself (spec: client-server "Tracking the device list for a user").
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.RegisterAsync();
        var bob = await server.CreateUserAsync("bob");
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/join/" + room, new { }));

        foreach (string how in (string[])["logout", "delete"])
        {
            var login = await server.LoginAsync(alice.UserId.Value, alice.Password);
            var second = new TestUser(server, alice.UserId, login["access_token"]!.GetValue<string>(), login["device_id"]!.GetValue<string>(), alice.Password);
            string since = SyncClient.NextBatch(await bob.SyncAsync());
            var started = DateTime.UtcNow;
            var poll = bob.SyncAsync(since, "timeout=20000");
            await Task.Delay(300);
            if (how == "logout")
            {
                await MatrixAssert.OkAsync(await second.PostAsync(V3 + "/logout", new { }));
            }
            else
            {
                await MatrixAssert.OkAsync(await alice.WithPasswordAuthAsync(HttpMethod.Delete, V3 + "/devices/" + second.DeviceId,
                    auth => auth is null ? new { } : (object)new { auth }));
            }
            var sync = await poll;
            Assert.Contains(alice.UserId.Value, sync["device_lists"]!["changed"]!.AsArray().Select(u => u!.GetValue<string>()));
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), $"{how}: the long-poll was not woken");
        }
    }

    [Fact]
    public async Task Deleting_a_device_removes_its_keys()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        using var keys = new DeviceKeyMaterial(alice);
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject
        {
            ["device_keys"] = keys.DeviceKeys(),
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:A"] = keys.SignedKey("a2V5") },
        }));
        var database = server.Services.GetRequiredService<Myelin.Storage.MyelinDatabase>();
        var device = Myelin.Protocol.Identifiers.DeviceId.Parse(alice.DeviceId);
        Assert.Equal(1, await database.Devices.DeleteAsync(alice.UserId, [device]));
        Assert.Null(await database.E2eeKeys.GetDeviceKeysAsync(alice.UserId, device));
        Assert.Empty(await database.E2eeKeys.CountOneTimeKeysAsync(alice.UserId, device));
    }
}

public sealed class KeysTests_Sqlite : KeysTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class KeysTests_Postgres : KeysTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
