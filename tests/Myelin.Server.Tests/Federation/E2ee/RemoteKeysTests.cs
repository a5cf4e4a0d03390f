using System.Diagnostics;
using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>
/// POST /keys/query and /keys/claim for users of other servers: asked of their servers, merged, and unreachable servers
/// listed under failures. spec: client-server "Key management API" (keys.yaml: failures, timeout).
/// </summary>
public abstract class RemoteKeysTests
{
    private const string V3 = "/_matrix/client/v3";

    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task A_remote_users_keys_are_queried_and_claimed_through_their_server()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        using var alice = await E2eeTestUser.CreateAsync(b.Server, "alice", "Alice's phone");
        var carol = await a.Server.CreateUserAsync("carol");

        var query = await MatrixAssert.OkAsync(await carol.PostAsync(V3 + "/keys/query", new JsonObject
        {
            ["device_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonArray(), [carol.UserId.Value] = new JsonArray() },
        }));
        Assert.Empty(query["failures"]!.AsObject());
        var device = query["device_keys"]![alice.User.UserId.Value]![alice.User.DeviceId]!.AsObject();
        Assert.Equal(alice.DeviceKeys["keys"]!.ToJsonString(), device["keys"]!.ToJsonString());
        Assert.Equal("Alice's phone", device["unsigned"]!["device_display_name"]!.GetValue<string>());
        Assert.True(Myelin.Protocol.Crypto.JsonSigning.Verify(System.Text.Json.JsonSerializer.SerializeToElement(device), alice.User.UserId.Value,
            [alice.Device.SigningKey.VerifyKey]).IsValid);
        Assert.True(JsonNode.DeepEquals(alice.CrossSigning.MasterKey(), query["master_keys"]![alice.User.UserId.Value]));
        Assert.True(JsonNode.DeepEquals(alice.CrossSigning.SelfSigningKey(), query["self_signing_keys"]![alice.User.UserId.Value]));
        Assert.Null(query["user_signing_keys"]![alice.User.UserId.Value]);
        Assert.NotNull(query["device_keys"]![carol.UserId.Value]);

        var claim = new JsonObject
        {
            ["one_time_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonObject { [alice.User.DeviceId] = "signed_curve25519" } },
        };
        var first = await MatrixAssert.OkAsync(await carol.PostAsync(V3 + "/keys/claim", claim.DeepClone()));
        Assert.Empty(first["failures"]!.AsObject());
        var key = Assert.Single(first["one_time_keys"]![alice.User.UserId.Value]![alice.User.DeviceId]!.AsObject());
        Assert.Equal("signed_curve25519:AAAA", key.Key);
        Assert.Equal("b3RrMQ", key.Value!["key"]!.GetValue<string>());
        var second = await MatrixAssert.OkAsync(await carol.PostAsync(V3 + "/keys/claim", claim.DeepClone()));
        Assert.Equal("signed_curve25519:BBBB", Assert.Single(second["one_time_keys"]![alice.User.UserId.Value]![alice.User.DeviceId]!.AsObject()).Key);
    }

    [Fact]
    public async Task A_remote_users_master_key_can_be_signed_and_the_signer_sees_the_signature()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        using var alice = await E2eeTestUser.CreateAsync(b.Server, "alice");
        using var carol = await E2eeTestUser.CreateAsync(a.Server, "carol");
        var aliceMaster = alice.CrossSigning.MasterKey();
        string masterId = ClientApi.Keys.CrossSigningKeyMaterial.KeyId(alice.CrossSigning.Master);
        var signed = ClientApi.Keys.CrossSigningKeyMaterial.SignAs(aliceMaster, carol.CrossSigning.UserSigning, carol.User.UserId.Value,
            ClientApi.Keys.CrossSigningKeyMaterial.KeyId(carol.CrossSigning.UserSigning));

        var upload = await MatrixAssert.OkAsync(await carol.User.PostAsync(V3 + "/keys/signatures/upload", new JsonObject
        {
            [alice.User.UserId.Value] = new JsonObject { [masterId["ed25519:".Length..]] = signed },
        }));
        Assert.Empty(upload["failures"]!.AsObject());

        var query = await MatrixAssert.OkAsync(await carol.User.PostAsync(V3 + "/keys/query", new JsonObject
        {
            ["device_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonArray() },
        }));
        var signatures = query["master_keys"]![alice.User.UserId.Value]!["signatures"]!.AsObject();
        Assert.Equal(signed["signatures"]![carol.User.UserId.Value]!.ToJsonString(), signatures[carol.User.UserId.Value]!.ToJsonString());

        // A signature by another key than the user-signing key is refused.
        var forged = ClientApi.Keys.CrossSigningKeyMaterial.SignAs(aliceMaster, carol.CrossSigning.SelfSigning, carol.User.UserId.Value,
            ClientApi.Keys.CrossSigningKeyMaterial.KeyId(carol.CrossSigning.SelfSigning));
        var refused = await MatrixAssert.OkAsync(await carol.User.PostAsync(V3 + "/keys/signatures/upload", new JsonObject
        {
            [alice.User.UserId.Value] = new JsonObject { [masterId["ed25519:".Length..]] = forged },
        }));
        Assert.Equal("M_INVALID_SIGNATURE", refused["failures"]![alice.User.UserId.Value]![masterId["ed25519:".Length..]]!["errcode"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_stopped_server_is_listed_under_failures_while_the_others_answer()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        await using var b = await FederatedHomeserver.StartAsync(Engine);
        var stopped = await FederatedHomeserver.StartAsync(Engine);
        string gone = stopped.ServerName.Value;
        await stopped.DisposeAsync();
        using var alice = await E2eeTestUser.CreateAsync(b.Server, "alice");
        var carol = await a.Server.CreateUserAsync("carol");

        var query = await MatrixAssert.OkAsync(await carol.PostAsync(V3 + "/keys/query", new JsonObject
        {
            ["device_keys"] = new JsonObject { [alice.User.UserId.Value] = new JsonArray(), [$"@dave:{gone}"] = new JsonArray() },
        }));
        Assert.NotNull(query["device_keys"]![alice.User.UserId.Value]![alice.User.DeviceId]);
        var failure = Assert.Single(query["failures"]!.AsObject());
        Assert.Equal(gone, failure.Key);
        Assert.Equal(503, failure.Value!["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(failure.Value["message"]!.GetValue<string>()));
        Assert.Null(query["device_keys"]![$"@dave:{gone}"]);

        var claim = await MatrixAssert.OkAsync(await carol.PostAsync(V3 + "/keys/claim", new JsonObject
        {
            ["one_time_keys"] = new JsonObject
            {
                [alice.User.UserId.Value] = new JsonObject { [alice.User.DeviceId] = "signed_curve25519" },
                [$"@dave:{gone}"] = new JsonObject { ["DEV"] = "signed_curve25519" },
            },
        }));
        Assert.Equal([gone], claim["failures"]!.AsObject().Select(f => f.Key));
        Assert.NotNull(claim["one_time_keys"]![alice.User.UserId.Value]![alice.User.DeviceId]);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_within_the_timeout_is_a_failure()
    {
        await using var a = await FederatedHomeserver.StartAsync(Engine);
        // A TLS port that accepts connections and never answers.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var carol = await a.Server.CreateUserAsync("carol");

        var clock = Stopwatch.StartNew();
        var query = await MatrixAssert.OkAsync(await carol.PostAsync(V3 + "/keys/query", new JsonObject
        {
            ["timeout"] = 500,
            ["device_keys"] = new JsonObject { [$"@dave:localhost:{port}"] = new JsonArray() },
        }));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(503, query["failures"]![$"localhost:{port}"]!["status"]!.GetValue<int>());
        await MatrixAssert.ErrorAsync(await carol.PostAsync(V3 + "/keys/query", new JsonObject { ["timeout"] = "soon", ["device_keys"] = new JsonObject() }), 400, "M_BAD_JSON");
    }
}

public sealed class RemoteKeysTests_Sqlite : RemoteKeysTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class RemoteKeysTests_Postgres : RemoteKeysTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
