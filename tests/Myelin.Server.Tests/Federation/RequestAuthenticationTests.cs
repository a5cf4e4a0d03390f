using System.Net;
using System.Text.Json;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Federation.Client;
using Myelin.Server.Tests.Support;
using Myelin.Storage.Users;

namespace Myelin.Server.Tests.Federation;

/// <summary>
/// Two real servers on loopback (HTTPS, real resolution): signed requests verify after the receiver fetches the
/// sender's keys; forged ones get 401 M_UNAUTHORIZED. spec: server-server "Request Authentication".
/// </summary>
public abstract class RequestAuthenticationTests : IAsyncLifetime
{
    protected abstract TestEngine Engine { get; }

    private FederatedHomeserver _origin = null!;
    private FederatedHomeserver _destination = null!;
    private UserId _alice;

    public async Task InitializeAsync()
    {
        _origin = await FederatedHomeserver.StartAsync(Engine);
        _destination = await FederatedHomeserver.StartAsync(Engine);
        _alice = UserId.Create("alice", _destination.ServerName);
        await _destination.Host.Database.Users.CreateAsync(new NewUser(_alice, null, 1));
        await _destination.Host.Database.Profiles.SetDisplayNameAsync(_alice, "Alice");
    }

    public async Task DisposeAsync()
    {
        await _origin.DisposeAsync();
        await _destination.DisposeAsync();
    }

    private string ProfilePath => $"/_matrix/federation/v1/query/profile?user_id={Uri.EscapeDataString(_alice.Value)}";

    [Fact]
    public async Task Federation_client_requests_are_signed_and_accepted_after_the_destination_fetches_the_origins_keys()
    {
        JsonElement profile = await _origin.Client.GetAsync(_destination.ServerName, ProfilePath);
        Assert.Equal("Alice", profile.GetProperty("displayname").GetString());

        // The destination fetched and cached the origin's key.
        var stored = await _destination.Host.Database.ServerKeys.GetKeyAsync(_origin.ServerName, _origin.SigningKey.KeyId);
        Assert.NotNull(stored);
        Assert.Equal(_origin.SigningKey.VerifyKey.PublicKeyBase64, stored.VerifyKey);
        Assert.Null(stored.ExpiredTs);
        var response = await _destination.Host.Database.ServerKeys.GetResponseAsync(_origin.ServerName);
        Assert.Equal(_origin.ServerName, response!.FromServer);

        // Errors from the remote come back as FederationRequestException with the errcode.
        var error = await Assert.ThrowsAsync<FederationRequestException>(() => _origin.Client.GetAsync(_destination.ServerName,
            $"/_matrix/federation/v1/query/profile?user_id={Uri.EscapeDataString("@nobody:" + _destination.ServerName)}"));
        Assert.Equal(404, error.StatusCode);
        Assert.Equal("M_NOT_FOUND", error.Errcode);

        var version = await _origin.Client.GetVersionAsync(_destination.ServerName);
        Assert.Equal("Myelin", version.GetProperty("server").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Hand_signed_requests_with_a_leniently_formatted_header_are_accepted()
    {
        // Unquoted values (colons allowed), upper-case names and scheme, spaces around commas, reordered, unknown parameter.
        var response = await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, _origin.SigningKey,
            formatHeader: a => $"x-matrix  KEY={a.Key} , Sig=\"{a.Signature}\",extra=\"x\",\tORIGIN={a.Origin},destination=\"{a.Destination}\"");
        var body = await MatrixAssert.OkAsync(response);
        Assert.Equal("Alice", body["displayname"]!.GetValue<string>());

        // Without the destination parameter (older servers): accepted, the signature covers our name.
        response = await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, _origin.SigningKey,
            formatHeader: a => $"X-Matrix origin=\"{a.Origin}\",key=\"{a.Key}\",sig=\"{a.Signature}\"");
        await MatrixAssert.OkAsync(response);
    }

    [Fact]
    public async Task Unsigned_requests_are_rejected()
    {
        await MatrixAssert.ErrorAsync(await _destination.Http.GetAsync(ProfilePath), 401, "M_UNAUTHORIZED");
        var bearer = new HttpRequestMessage(HttpMethod.Get, ProfilePath);
        bearer.Headers.TryAddWithoutValidation("Authorization", "Bearer abc");
        await MatrixAssert.ErrorAsync(await _destination.Http.SendAsync(bearer), 401, "M_UNAUTHORIZED");
        var incomplete = new HttpRequestMessage(HttpMethod.Get, ProfilePath);
        incomplete.Headers.TryAddWithoutValidation("Authorization", $"X-Matrix origin=\"{_origin.ServerName}\",key=\"ed25519:x\"");
        await MatrixAssert.ErrorAsync(await _destination.Http.SendAsync(incomplete), 401, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Requests_signed_for_another_destination_are_rejected()
    {
        var response = await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, _origin.SigningKey,
            signedDestination: "other.example");
        await MatrixAssert.ErrorAsync(response, 401, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Requests_signed_with_the_wrong_key_or_over_other_content_are_rejected()
    {
        // A key with the origin's key ID that is not the origin's key.
        using var impostor = SigningKey.Generate(_origin.SigningKey.KeyId.Version);
        await MatrixAssert.ErrorAsync(await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, impostor), 401, "M_UNAUTHORIZED");

        // A key ID the origin does not publish.
        using var unknown = SigningKey.Generate("unknown");
        await MatrixAssert.ErrorAsync(await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, unknown), 401, "M_UNAUTHORIZED");

        // The signature was made for another request target.
        await MatrixAssert.ErrorAsync(await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, _origin.SigningKey,
            signedPathAndQuery: ProfilePath + "&field=displayname"), 401, "M_UNAUTHORIZED");

        // The body differs from the signed content.
        await MatrixAssert.ErrorAsync(await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, _origin.SigningKey,
            body: "{\"a\":1}", signedBody: "{\"a\":2}"), 401, "M_UNAUTHORIZED");

        // Claiming to be a server that cannot be reached for its keys.
        await MatrixAssert.ErrorAsync(await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, ServerName.Parse("unreachable.invalid"),
            _origin.SigningKey), 401, "M_UNAUTHORIZED");

        // The genuine requests still work, also with a body that is signed as sent (so the body is part of the check).
        await MatrixAssert.OkAsync(await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, _origin.SigningKey));
        await MatrixAssert.OkAsync(await _destination.SendSignedAsync(HttpMethod.Get, ProfilePath, _origin.ServerName, _origin.SigningKey,
            body: "{\"a\":1}"));
    }

    [Fact]
    public async Task Bodies_with_floats_and_deep_nesting_are_signed_and_verified_as_synapse_sends_them()
    {
        // A transaction whose EDU content holds a float (to-device content is the client's) and nests 100 levels deep:
        // not canonical JSON in the strict sense, but Synapse signs such bodies and we must accept them (unknown EDU
        // types are ignored, so the transaction succeeds).
        string deep = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1.5" + new string('}', 100);
        string body = "{\"origin\":\"" + _origin.ServerName + "\",\"origin_server_ts\":1,\"pdus\":[],\"edus\":[{\"edu_type\":\"org.example.test\"," +
            "\"content\":{\"ratio\":0.25,\"deep\":" + deep + "}}]}";
        var element = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 200 }).RootElement;

        // Through our own client (which signs it) and as raw signed HTTP.
        var answer = await _origin.Client.PutAsync(_destination.ServerName, "/_matrix/federation/v1/send/float-1", element);
        Assert.Equal(JsonValueKind.Object, answer.GetProperty("pdus").ValueKind);
        var raw = await _destination.SendSignedAsync(HttpMethod.Put, "/_matrix/federation/v1/send/float-2", _origin.ServerName, _origin.SigningKey, body);
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
    }

    [Fact]
    public async Task Unknown_federation_endpoints_answer_unrecognized()
    {
        var response = await _destination.SendSignedAsync(HttpMethod.Get, "/_matrix/federation/v1/no-such-endpoint", _origin.ServerName, _origin.SigningKey);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await MatrixAssert.ErrorAsync(response, 404, "M_UNRECOGNIZED");
    }
}

public sealed class RequestAuthenticationTests_Sqlite : RequestAuthenticationTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class RequestAuthenticationTests_Postgres : RequestAuthenticationTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
