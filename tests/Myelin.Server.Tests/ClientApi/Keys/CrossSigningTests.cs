using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Accounts;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Keys;

public abstract class CrossSigningTests
{
    private const string V3 = "/_matrix/client/v3";

    protected abstract TestEngine Engine { get; }

    private static JsonObject Upload(CrossSigningKeyMaterial keys) => new()
    {
        ["master_key"] = keys.MasterKey(),
        ["self_signing_key"] = keys.SelfSigningKey(),
        ["user_signing_key"] = keys.UserSigningKey(),
    };

    private static Task<JsonObject> QueryAsync(TestUser requester, params TestUser[] users)
    {
        var request = new JsonObject();
        foreach (var user in users)
        {
            request[user.UserId.Value] = new JsonArray();
        }
        return requester.PostAsync(V3 + "/keys/query", new JsonObject { ["device_keys"] = request }).ContinueWith(t => MatrixAssert.OkAsync(t.Result)).Unwrap();
    }

    [Fact]
    public async Task First_upload_needs_no_auth_replacing_the_master_key_does_and_user_signing_keys_stay_private()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.RegisterAsync("alice", "pw");
        var bob = await server.CreateUserAsync("bob");
        using var keys = new CrossSigningKeyMaterial(alice.UserId.Value);
        string since = SyncClient.NextBatch(await alice.SyncAsync());

        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(keys)));
        // The same keys again are accepted without auth (idempotent retries).
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(keys)));
        Assert.Contains(alice.UserId.Value, (await alice.SyncAsync(since))["device_lists"]!["changed"]!.AsArray().Select(u => u!.GetValue<string>()));

        var own = await QueryAsync(alice, alice);
        Assert.Equal(keys.MasterKey().ToJsonString(), own["master_keys"]![alice.UserId.Value]!.ToJsonString());
        Assert.Equal(keys.SelfSigningKey().ToJsonString(), own["self_signing_keys"]![alice.UserId.Value]!.ToJsonString());
        Assert.Equal(keys.UserSigningKey().ToJsonString(), own["user_signing_keys"]![alice.UserId.Value]!.ToJsonString());
        var theirs = await QueryAsync(bob, alice);
        Assert.NotNull(theirs["master_keys"]![alice.UserId.Value]);
        Assert.NotNull(theirs["self_signing_keys"]![alice.UserId.Value]);
        Assert.Empty(theirs["user_signing_keys"]!.AsObject());

        using var replacement = new CrossSigningKeyMaterial(alice.UserId.Value);
        var challenge = await UiaAssert.ChallengeAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(replacement)));
        var withAuth = Upload(replacement);
        withAuth["auth"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(AccountRequests.PasswordAuth(alice, challenge["session"]!.GetValue<string>())));
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", withAuth));
        Assert.Equal(replacement.MasterKey().ToJsonString(), (await QueryAsync(alice, alice))["master_keys"]![alice.UserId.Value]!.ToJsonString());
    }

    [Fact]
    public async Task Malformed_or_badly_signed_cross_signing_keys_are_refused()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        using var keys = new CrossSigningKeyMaterial(alice.UserId.Value);
        using var other = new CrossSigningKeyMaterial(alice.UserId.Value);

        async Task RefusedAsync(JsonObject body, int status, string errcode) =>
            await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", body), status, errcode);

        await RefusedAsync(new JsonObject { ["self_signing_key"] = keys.SelfSigningKey() }, 400, "M_MISSING_PARAM");
        await RefusedAsync(new JsonObject { ["master_key"] = keys.MasterKey(), ["self_signing_key"] = keys.SelfSigningKey(signer: other.Master) }, 400, "M_INVALID_SIGNATURE");
        var wrongUser = keys.MasterKey();
        wrongUser["user_id"] = "@mallory:localhost";
        await RefusedAsync(new JsonObject { ["master_key"] = wrongUser }, 400, "M_INVALID_PARAM");
        var wrongUsage = keys.MasterKey();
        wrongUsage["usage"] = new JsonArray("self_signing");
        await RefusedAsync(new JsonObject { ["master_key"] = wrongUsage }, 400, "M_INVALID_PARAM");
        var twoKeys = keys.MasterKey();
        twoKeys["keys"]!["ed25519:extra"] = "extra";
        await RefusedAsync(new JsonObject { ["master_key"] = twoKeys }, 400, "M_INVALID_PARAM");
        await RefusedAsync(new JsonObject { ["master_key"] = "nope" }, 400, "M_BAD_JSON");

        // Nothing was stored, so the next upload still needs no auth.
        Assert.Empty((await QueryAsync(alice, alice))["master_keys"]!.AsObject());
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(keys)));
    }

    [Fact]
    public async Task Signatures_of_own_devices_own_master_and_others_master_keys_are_verified_and_published()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.CreateUserAsync("alice");
        var bob = await server.CreateUserAsync("bob");
        using var aliceDevice = new DeviceKeyMaterial(alice);
        using var aliceCross = new CrossSigningKeyMaterial(alice.UserId.Value);
        using var bobCross = new CrossSigningKeyMaterial(bob.UserId.Value);
        var deviceKeys = aliceDevice.DeviceKeys();
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = deviceKeys.DeepClone() }));
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(aliceCross)));
        await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/device_signing/upload", Upload(bobCross)));
        string masterId = aliceCross.MasterKey()["keys"]!.AsObject().First().Key;
        string masterPublic = masterId["ed25519:".Length..];

        string sskId = CrossSigningKeyMaterial.KeyId(aliceCross.SelfSigning);
        var signedDevice = CrossSigningKeyMaterial.SignAs(deviceKeys, aliceCross.SelfSigning, alice.UserId.Value, sskId);
        var signedMaster = CrossSigningKeyMaterial.SignAs(aliceCross.MasterKey(), aliceDevice.SigningKey, alice.UserId.Value, "ed25519:" + alice.DeviceId);
        var own = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/signatures/upload", new JsonObject
        {
            [alice.UserId.Value] = new JsonObject { [alice.DeviceId] = signedDevice.DeepClone(), [masterPublic] = signedMaster.DeepClone() },
        }));
        Assert.Empty(own["failures"]!.AsObject());

        string bobUskId = CrossSigningKeyMaterial.KeyId(bobCross.UserSigning);
        var bobSignsAlice = CrossSigningKeyMaterial.SignAs(aliceCross.MasterKey(), bobCross.UserSigning, bob.UserId.Value, bobUskId);
        var forged = CrossSigningKeyMaterial.SignAs(deviceKeys, bobCross.UserSigning, alice.UserId.Value, sskId);
        var cross = await MatrixAssert.OkAsync(await bob.PostAsync(V3 + "/keys/signatures/upload", new JsonObject
        {
            [alice.UserId.Value] = new JsonObject { [masterPublic] = bobSignsAlice.DeepClone(), ["NOTAKEY"] = bobSignsAlice.DeepClone() },
        }));
        Assert.Equal(["NOTAKEY"], cross["failures"]![alice.UserId.Value]!.AsObject().Select(f => f.Key));
        Assert.Equal("M_NOT_FOUND", cross["failures"]![alice.UserId.Value]!["NOTAKEY"]!["errcode"]!.GetValue<string>());

        // A signature that does not verify is reported and not stored.
        var bad = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/signatures/upload", new JsonObject
        {
            [alice.UserId.Value] = new JsonObject { [alice.DeviceId] = forged },
        }));
        Assert.Equal("M_INVALID_SIGNATURE", bad["failures"]![alice.UserId.Value]![alice.DeviceId]!["errcode"]!.GetValue<string>());
        var changedDevice = aliceDevice.DeviceKeys();
        changedDevice["algorithms"] = new JsonArray("x");
        var mismatch = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/signatures/upload", new JsonObject
        {
            [alice.UserId.Value] = new JsonObject { [alice.DeviceId] = CrossSigningKeyMaterial.SignAs(changedDevice, aliceCross.SelfSigning, alice.UserId.Value, sskId) },
        }));
        Assert.Equal("M_INVALID_PARAM", mismatch["failures"]![alice.UserId.Value]![alice.DeviceId]!["errcode"]!.GetValue<string>());

        var bobView = await QueryAsync(bob, alice);
        var device = bobView["device_keys"]![alice.UserId.Value]![alice.DeviceId]!;
        Assert.Equal(signedDevice["signatures"]![alice.UserId.Value]![sskId]!.GetValue<string>(), device["signatures"]![alice.UserId.Value]![sskId]!.GetValue<string>());
        var master = bobView["master_keys"]![alice.UserId.Value]!;
        Assert.Equal(signedMaster["signatures"]![alice.UserId.Value]!["ed25519:" + alice.DeviceId]!.GetValue<string>(),
            master["signatures"]![alice.UserId.Value]!["ed25519:" + alice.DeviceId]!.GetValue<string>());
        Assert.Equal(bobSignsAlice["signatures"]![bob.UserId.Value]![bobUskId]!.GetValue<string>(), master["signatures"]![bob.UserId.Value]![bobUskId]!.GetValue<string>());
        // Bob's user-signing signature is his own business.
        Assert.Null((await QueryAsync(alice, alice))["master_keys"]![alice.UserId.Value]!["signatures"]![bob.UserId.Value]);

        await MatrixAssert.ErrorAsync(await bob.PostAsync(V3 + "/keys/signatures/upload", new JsonObject { ["notauser"] = new JsonObject() }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.PostAsync(V3 + "/keys/signatures/upload", new JsonObject { [alice.UserId.Value] = new JsonObject { ["k"] = 1 } }), 400, "M_BAD_JSON");
    }

    [Fact]
    public async Task Reuploading_a_master_key_its_devices_signed_needs_no_auth_and_keeps_their_signatures()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.RegisterAsync("alice", "pw");
        using var device = new DeviceKeyMaterial(alice);
        using var keys = new CrossSigningKeyMaterial(alice.UserId.Value);
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/upload", new JsonObject { ["device_keys"] = device.DeviceKeys() }));
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(keys)));
        string masterPublic = CrossSigningKeyMaterial.KeyId(keys.Master)["ed25519:".Length..];
        var signedMaster = CrossSigningKeyMaterial.SignAs(keys.MasterKey(), device.SigningKey, alice.UserId.Value, "ed25519:" + alice.DeviceId);
        var signed = await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/signatures/upload",
            new JsonObject { [alice.UserId.Value] = new JsonObject { [masterPublic] = signedMaster } }));
        Assert.Empty(signed["failures"]!.AsObject());

        // A client retrying its bootstrap sends the master key without the device's signature: the same key, so no UIA.
        await MatrixAssert.OkAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(keys)));
        var master = (await QueryAsync(alice, alice))["master_keys"]![alice.UserId.Value]!;
        Assert.NotNull(master["signatures"]![alice.UserId.Value]!["ed25519:" + alice.DeviceId]);

        // The same master key with a new self-signing key is a change: it needs UIA.
        using var other = new CrossSigningKeyMaterial(alice.UserId.Value);
        var newSelfSigning = new JsonObject { ["master_key"] = keys.MasterKey(), ["self_signing_key"] = other.KeyObject(other.SelfSigning, "self_signing", keys.Master) };
        await UiaAssert.ChallengeAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", newSelfSigning));
    }

    [Fact]
    public async Task A_cross_signing_key_whose_id_is_one_of_the_users_device_ids_is_forbidden()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var alice = await server.RegisterAsync("alice", "pw");
        using var keys = new CrossSigningKeyMaterial(alice.UserId.Value);
        string masterPublic = CrossSigningKeyMaterial.KeyId(keys.Master)["ed25519:".Length..];
        // spec: POST /keys/device_signing/upload 403 — "The public key of one of the keys is the same as one of the user's device IDs".
        await server.LoginAsync("alice", "pw", deviceId: masterPublic);

        await MatrixAssert.ErrorAsync(await alice.PostAsync(V3 + "/keys/device_signing/upload", Upload(keys)), 403, "M_FORBIDDEN");
        Assert.Empty((await QueryAsync(alice, alice))["master_keys"]!.AsObject());
    }
}

public sealed class CrossSigningTests_Sqlite : CrossSigningTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class CrossSigningTests_Postgres : CrossSigningTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
