using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>
/// GET /_matrix/federation/v1/user/devices/{userId}, POST /user/keys/query and /user/keys/claim as another server
/// sees them. spec: server-server "Device Management", "End-to-End Encryption"; user_devices.yaml, user_keys.yaml.
/// </summary>
public abstract class UserKeysEndpointTests : IAsyncLifetime
{
    protected abstract TestEngine Engine { get; }

    private FederatedHomeserver _asker = null!;
    private FederatedHomeserver _server = null!;

    public async Task InitializeAsync()
    {
        _asker = await FederatedHomeserver.StartAsync(Engine);
        _server = await FederatedHomeserver.StartAsync(Engine);
    }

    public async Task DisposeAsync()
    {
        await _asker.DisposeAsync();
        await _server.DisposeAsync();
    }

    private Task<HttpResponseMessage> SignedAsync(HttpMethod method, string path, JsonObject? body = null) =>
        _server.SendSignedAsync(method, path, _asker.ServerName, _asker.SigningKey, body?.ToJsonString());

    [Fact]
    public async Task User_devices_lists_devices_with_keys_names_and_the_public_cross_signing_keys()
    {
        using var alice = await E2eeTestUser.CreateAsync(_server.Server, "alice", "Alice's phone");
        string path = "/_matrix/federation/v1/user/devices/" + Uri.EscapeDataString(alice.User.UserId.Value);

        var body = await MatrixAssert.OkAsync(await SignedAsync(HttpMethod.Get, path));
        Assert.Equal(alice.User.UserId.Value, body["user_id"]!.GetValue<string>());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, body["stream_id"]!.GetValueKind());
        var device = Assert.Single(body["devices"]!.AsArray())!.AsObject();
        Assert.Equal(alice.User.DeviceId, device["device_id"]!.GetValue<string>());
        Assert.Equal("Alice's phone", device["device_display_name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(alice.DeviceKeys, device["keys"]));
        Assert.True(JsonNode.DeepEquals(alice.CrossSigning.MasterKey(), body["master_key"]));
        Assert.True(JsonNode.DeepEquals(alice.CrossSigning.SelfSigningKey(), body["self_signing_key"]));
        // The user-signing key is the owner's alone.
        Assert.False(body.ContainsKey("user_signing_key"));

        // A local user without devices: an empty list.
        var empty = await MatrixAssert.OkAsync(await SignedAsync(HttpMethod.Get, "/_matrix/federation/v1/user/devices/" + Uri.EscapeDataString($"@nobody:{_server.ServerName}")));
        Assert.Empty(empty["devices"]!.AsArray());

        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Get, "/_matrix/federation/v1/user/devices/" + Uri.EscapeDataString($"@alice:{_asker.ServerName}")), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Get, "/_matrix/federation/v1/user/devices/alice"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await _server.Http.GetAsync(path), 401, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Keys_query_answers_device_and_cross_signing_keys_of_local_users_only()
    {
        using var alice = await E2eeTestUser.CreateAsync(_server.Server, "alice");
        const string Path = "/_matrix/federation/v1/user/keys/query";
        string ghost = $"@ghost:{_server.ServerName}";

        var body = await MatrixAssert.OkAsync(await SignedAsync(HttpMethod.Post, Path,
            new JsonObject { ["device_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonArray(), [ghost] = new JsonArray() } }));
        var device = body["device_keys"]![alice.User.UserId.Value]![alice.User.DeviceId]!.AsObject();
        Assert.Equal("Phone", device["unsigned"]!["device_display_name"]!.GetValue<string>());
        Assert.Equal(alice.DeviceKeys["keys"]!.ToJsonString(), device["keys"]!.ToJsonString());
        Assert.Empty(body["device_keys"]![ghost]!.AsObject());
        Assert.True(JsonNode.DeepEquals(alice.CrossSigning.MasterKey(), body["master_keys"]![alice.User.UserId.Value]));
        Assert.True(JsonNode.DeepEquals(alice.CrossSigning.SelfSigningKey(), body["self_signing_keys"]![alice.User.UserId.Value]));
        Assert.False(body.ContainsKey("user_signing_keys"));
        Assert.False(body.ContainsKey("failures"));

        var named = await MatrixAssert.OkAsync(await SignedAsync(HttpMethod.Post, Path,
            new JsonObject { ["device_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonArray("OTHER") } }));
        Assert.Empty(named["device_keys"]![alice.User.UserId.Value]!.AsObject());

        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Post, Path,
            new JsonObject { ["device_keys"] = new JsonObject { [$"@carol:{_asker.ServerName}"] = new JsonArray() } }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Post, Path, new JsonObject()), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Post, Path,
            new JsonObject { ["device_keys"] = new JsonObject { [alice.User.UserId.Value] = "all" } }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await _server.Http.PostAsync(Path, new StringContent("{}")), 401, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Keys_claim_hands_out_each_one_time_key_once_then_the_fallback_key()
    {
        using var alice = await E2eeTestUser.CreateAsync(_server.Server, "alice");
        const string Path = "/_matrix/federation/v1/user/keys/claim";
        var request = new JsonObject
        {
            ["one_time_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonObject { [alice.User.DeviceId] = "signed_curve25519", ["NOSUCH"] = "signed_curve25519" } },
        };

        async Task<string> ClaimAsync()
        {
            var body = await MatrixAssert.OkAsync(await SignedAsync(HttpMethod.Post, Path, request));
            Assert.False(body.ContainsKey("failures"));
            var devices = body["one_time_keys"]![alice.User.UserId.Value]!.AsObject();
            Assert.Equal([alice.User.DeviceId], devices.Select(d => d.Key));
            return Assert.Single(devices[alice.User.DeviceId]!.AsObject()).Key;
        }
        Assert.Equal("signed_curve25519:AAAA", await ClaimAsync());
        Assert.Equal("signed_curve25519:BBBB", await ClaimAsync());
        Assert.Equal("signed_curve25519:FFFF", await ClaimAsync());

        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Post, Path, new JsonObject
        {
            ["one_time_keys"] = new JsonObject { [$"@carol:{_asker.ServerName}"] = new JsonObject { ["DEV"] = "signed_curve25519" } },
        }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Post, Path, new JsonObject { ["one_time_keys"] = 1 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await SignedAsync(HttpMethod.Post, Path, new JsonObject
        {
            ["one_time_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonObject { [alice.User.DeviceId] = 5 } },
        }), 400, "M_BAD_JSON");
    }
}

public sealed class UserKeysEndpointTests_Sqlite : UserKeysEndpointTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class UserKeysEndpointTests_Postgres : UserKeysEndpointTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
