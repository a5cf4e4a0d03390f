using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Keys;
using Myelin.Server.FederationApi;
using Myelin.Server.ServerKeys;
using Myelin.Server.Tests.Federation;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.FederationApi;

public sealed class ServerKeyEndpointTests
{
    [Fact]
    public async Task Server_keys_are_self_signed_and_list_the_signing_key_and_the_old_keys_with_a_one_day_validity()
    {
        using var retired = SigningKey.Generate("retired1");
        await using var server = await FederatedHomeserver.StartAsync(configure: config =>
        {
            File.WriteAllText(OldSigningKeysFile.PathFor(config.SigningKeyPath),
                "# retired keys\n" + OldSigningKeysFile.FormatLine(new OldVerifyKey(retired.KeyId, retired.VerifyKey.PublicKeyBase64, 1234)));
            return config;
        });
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var body = await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/key/v2/server"));

        Assert.Equal(server.ServerName.Value, body["server_name"]!.GetValue<string>());
        var key = server.SigningKey;
        Assert.Equal(key.VerifyKey.PublicKeyBase64, body["verify_keys"]![key.KeyId.Value]!["key"]!.GetValue<string>());
        Assert.Single(body["verify_keys"]!.AsObject());
        var old = body["old_verify_keys"]![retired.KeyId.Value]!;
        Assert.Equal(retired.VerifyKey.PublicKeyBase64, old["key"]!.GetValue<string>());
        Assert.Equal(1234, old["expired_ts"]!.GetValue<long>());
        long validUntil = body["valid_until_ts"]!.GetValue<long>();
        Assert.InRange(validUntil, before + (long)TimeSpan.FromHours(23).TotalMilliseconds, before + (long)TimeSpan.FromHours(25).TotalMilliseconds);

        using var document = JsonDocument.Parse(body.ToJsonString());
        Assert.True(JsonSigning.Verify(document.RootElement, server.ServerName.Value, [key.VerifyKey]).IsValid);
        Assert.True(ServerKeyResponse.TryParse(document.RootElement, server.ServerName, out _, out string? error), error);
    }

    [Fact]
    public async Task A_malformed_old_signing_keys_file_stops_the_server_at_start()
    {
        var error = await Assert.ThrowsAsync<ConfigException>(() => FederatedHomeserver.StartAsync(configure: config =>
        {
            File.WriteAllText(OldSigningKeysFile.PathFor(config.SigningKeyPath), "ed25519 old not-a-key 5\n");
            return config;
        }));
        Assert.Contains("Line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Federation_version_names_the_implementation_without_authentication()
    {
        await using var server = await FederatedHomeserver.StartAsync();
        var body = await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/federation/v1/version"));
        Assert.Equal("Myelin", body["server"]!["name"]!.GetValue<string>());
        Assert.Equal(VersionEndpoint.ImplementationVersion, body["server"]!["version"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(VersionEndpoint.ImplementationVersion));
    }

    [Fact]
    public async Task Notary_query_for_itself_returns_its_own_keys_signed()
    {
        await using var server = await FederatedHomeserver.StartAsync();
        var body = await MatrixAssert.OkAsync(await server.Http.GetAsync($"/_matrix/key/v2/query/{server.ServerName}"));
        var keys = body["server_keys"]!.AsArray();
        var only = Assert.Single(keys);
        Assert.Equal(server.ServerName.Value, only!["server_name"]!.GetValue<string>());
        using var document = JsonDocument.Parse(only.ToJsonString());
        Assert.True(JsonSigning.Verify(document.RootElement, server.ServerName.Value, [server.SigningKey.VerifyKey]).IsValid);
    }

    [Fact]
    public async Task Notary_query_validates_its_input()
    {
        await using var server = await FederatedHomeserver.StartAsync();
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/key/v2/query/not%20a%20server"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync($"/_matrix/key/v2/query/{server.ServerName}?minimum_valid_until_ts=soon"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync("/_matrix/key/v2/query", Json("{}")), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync("/_matrix/key/v2/query", Json("{\"server_keys\": []}")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync("/_matrix/key/v2/query", Json("{\"server_keys\": {\"a.example\": 1}}")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync("/_matrix/key/v2/query",
            Json("{\"server_keys\": {\"a.example\": {\"ed25519:x\": {\"minimum_valid_until_ts\": \"x\"}}}}")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.PostAsync("/_matrix/key/v2/query", Json("not json")), 400, "M_NOT_JSON");

        // No servers asked: an empty list. spec: keys_query "If no servers are given, the notary server must return an empty server_keys array".
        var empty = await MatrixAssert.OkAsync(await server.Http.PostAsync("/_matrix/key/v2/query", Json("{\"server_keys\": {}}")));
        Assert.Empty(empty["server_keys"]!.AsArray());
        // An unreachable server with nothing cached is left out.
        var unreachable = await MatrixAssert.OkAsync(await server.Http.PostAsync("/_matrix/key/v2/query",
            Json("{\"server_keys\": {\"unreachable.invalid\": {}}}")));
        Assert.Empty(unreachable["server_keys"]!.AsArray());
    }

    private static StringContent Json(string text) => new(text, System.Text.Encoding.UTF8, "application/json");

}
