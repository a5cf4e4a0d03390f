using System.Net;
using System.Text.Json.Nodes;
using Myelin.Server.Accounts;
using Myelin.Server.Configuration;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Accounts;

public abstract class RegistrationTests
{
    protected abstract TestEngine Engine { get; }

    private Task<TestHomeserver> StartAsync(Func<MyelinConfig, MyelinConfig>? configure = null) => TestHomeserver.StartAsync(Engine, configure);

    private static async Task<JsonObject> RegisterWithDummyAsync(TestHomeserver server, object body)
    {
        var first = await server.PostAsync(V3 + "/register", body);
        var challenge = await UiaAssert.ChallengeAsync(first);
        Assert.Equal("m.login.dummy", challenge["flows"]![0]!["stages"]![0]!.GetValue<string>());
        var node = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(body))!.AsObject();
        node["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = challenge["session"]!.GetValue<string>() };
        return await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/register", node.ToJsonString()));
    }

    [Fact]
    public async Task Dummy_registration_returns_working_credentials_with_the_requested_device()
    {
        await using var server = await StartAsync();
        var body = await RegisterWithDummyAsync(server, new { username = "Alice", password = "secret pass", device_id = "MYDEVICE", initial_device_display_name = "Phone" });
        Assert.Equal("@alice:localhost", body["user_id"]!.GetValue<string>());
        Assert.Equal("MYDEVICE", body["device_id"]!.GetValue<string>());
        Assert.Equal("localhost", body["home_server"]!.GetValue<string>());
        Assert.Null(body["refresh_token"]);

        var whoami = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, body["access_token"]!.GetValue<string>()));
        Assert.Equal("@alice:localhost", whoami["user_id"]!.GetValue<string>());
        Assert.Equal("MYDEVICE", whoami["device_id"]!.GetValue<string>());
        Assert.False(whoami["is_guest"]!.GetValue<bool>());

        // The legacy r0 prefix answers too.
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/_matrix/client/r0/account/whoami", null, body["access_token"]!.GetValue<string>())).StatusCode);
        // And the password works for login.
        await server.LoginAsync("alice", "secret pass");
    }

    [Fact]
    public async Task Registration_is_closed_by_default()
    {
        await using var server = await StartAsync(c => c with { EnableRegistration = false });
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = "bob", password = "pw" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v1/register/m.login.registration_token/validity?token=x"), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Taken_invalid_and_reserved_usernames_are_refused_before_auth()
    {
        await using var server = await StartAsync();
        await server.RegisterAsync("taken");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = "taken", password = "pw" }), 400, "M_USER_IN_USE");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = "TAKEN", password = "pw" }), 400, "M_USER_IN_USE");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = "bad name", password = "pw" }), 400, "M_INVALID_USERNAME");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = "12345", password = "pw" }), 400, "M_INVALID_USERNAME");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = "_bridge", password = "pw" }), 400, "M_INVALID_USERNAME");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = new string('a', 300), password = "pw" }), 400, "M_INVALID_USERNAME");
    }

    [Fact]
    public async Task Malformed_registration_requests_get_spec_errors()
    {
        await using var server = await StartAsync();
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", """{"username": 5}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", """{"inhibit_login": "yes"}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", "not json"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register?kind=robot", "{}"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register", new { username = "x", password = new string('p', 600) }), 400, "M_INVALID_PARAM");

        // A completed auth session without a password cannot create an account.
        var challenge = await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register", new { username = "nopass" }));
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register",
            new { username = "nopass", auth = new { type = "m.login.dummy", session = challenge["session"]!.GetValue<string>() } }), 400, "M_MISSING_PARAM");

        // Stages that are not offered are rejected inside the UIA challenge.
        await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register",
            new { username = "x", password = "pw", auth = new { type = "m.login.password", session = challenge["session"]!.GetValue<string>() } }), "M_UNRECOGNIZED");
    }

    [Fact]
    public async Task Username_availability()
    {
        await using var server = await StartAsync();
        await server.RegisterAsync("carol");
        var ok = await MatrixAssert.OkAsync(await server.Http.GetAsync(V3 + "/register/available?username=dave"));
        Assert.True(ok["available"]!.GetValue<bool>());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/register/available?username=carol"), 400, "M_USER_IN_USE");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/register/available?username=c%20d"), 400, "M_INVALID_USERNAME");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/register/available"), 400, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Inhibit_login_creates_the_account_without_a_session()
    {
        await using var server = await StartAsync();
        var body = await RegisterWithDummyAsync(server, new { username = "quiet", password = "pw", inhibit_login = true });
        Assert.Equal("@quiet:localhost", body["user_id"]!.GetValue<string>());
        Assert.Null(body["access_token"]);
        Assert.Null(body["device_id"]);
        await server.LoginAsync("quiet", "pw");
    }

    [Fact]
    public async Task Refreshable_registration_and_token_refresh()
    {
        await using var server = await StartAsync();
        var body = await RegisterWithDummyAsync(server, new { username = "fresh", password = "pw", refresh_token = true });
        string refresh = body["refresh_token"]!.GetValue<string>();
        string access = body["access_token"]!.GetValue<string>();
        Assert.Equal((long)LoginService.RefreshableAccessTokenLifetime.TotalMilliseconds, body["expires_in_ms"]!.GetValue<long>());

        var refreshed = await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/refresh", new { refresh_token = refresh }));
        string newAccess = refreshed["access_token"]!.GetValue<string>();
        Assert.NotEqual(access, newAccess);
        Assert.NotEqual(refresh, refreshed["refresh_token"]!.GetValue<string>());
        Assert.True(refreshed["expires_in_ms"]!.GetValue<long>() > 0);

        var whoami = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, newAccess));
        Assert.Equal(body["device_id"]!.GetValue<string>(), whoami["device_id"]!.GetValue<string>());
        // The old pair stops working.
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, access), 401, "M_UNKNOWN_TOKEN");
        var reused = await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/refresh", new { refresh_token = refresh }), 401, "M_UNKNOWN_TOKEN");
        Assert.False(reused["soft_logout"]!.GetValue<bool>());
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/refresh", "{}"), 400, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Guest_registration_needs_guest_access()
    {
        await using (var closed = await StartAsync())
        {
            await MatrixAssert.ErrorAsync(await closed.PostAsync(V3 + "/register?kind=guest", "{}"), 403, "M_GUEST_ACCESS_FORBIDDEN");
        }
        await using var server = await StartAsync(c => c with { AllowGuestAccess = true, EnableRegistration = false });
        var guest = await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/register?kind=guest", new { initial_device_display_name = "guest device" }));
        var whoami = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, guest["access_token"]!.GetValue<string>()));
        Assert.True(whoami["is_guest"]!.GetValue<bool>());
        Assert.Matches("^@[0-9]+:localhost$", whoami["user_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Registration_is_rate_limited_per_address()
    {
        await using var server = await StartAsync(c => c with
        {
            RateLimiting = new RateLimitingConfig { Registration = new RateLimitConfig(0.001, 1), Login = new RateLimitConfig(1000, 1000) },
        });
        await server.RegisterAsync("first");
        var challenge = await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register", new { username = "second", password = "pw" }));
        var limited = await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register",
            new { username = "second", password = "pw", auth = new { type = "m.login.dummy", session = challenge["session"]!.GetValue<string>() } }), 429, "M_LIMIT_EXCEEDED");
        Assert.True(limited["retry_after_ms"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Token_only_registration_spends_admin_created_tokens()
    {
        await using var server = await StartAsync(c => c with { RegistrationRequiresToken = true });
        var admin = await SharedSecretRegistrationTests.RegisterAdminAsync(server, "admin");
        var created = await MatrixAssert.OkAsync(await server.PostAsync("/_synapse/admin/v1/registration_tokens/new", new { token = "letmein", uses_allowed = 1 }, admin));
        Assert.Equal("letmein", created["token"]!.GetValue<string>());
        Assert.Equal(1, created["uses_allowed"]!.GetValue<int>());
        Assert.True((await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/client/v1/register/m.login.registration_token/validity?token=letmein")))["valid"]!.GetValue<bool>());

        var challenge = await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register", new { username = "tok", password = "pw" }));
        Assert.Equal("m.login.registration_token", challenge["flows"]![0]!["stages"]![0]!.GetValue<string>());
        string session = challenge["session"]!.GetValue<string>();
        // The dummy stage alone is not enough, and a wrong token fails the stage.
        await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register", new { username = "tok", password = "pw", auth = new { type = "m.login.dummy", session } }), "M_UNRECOGNIZED");
        await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register",
            new { username = "tok", password = "pw", auth = new { type = "m.login.registration_token", token = "wrong", session } }), "M_UNAUTHORIZED");
        var ok = await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/register",
            new { username = "tok", password = "pw", auth = new { type = "m.login.registration_token", token = "letmein", session } }));
        Assert.Equal("@tok:localhost", ok["user_id"]!.GetValue<string>());

        var after = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, "/_synapse/admin/v1/registration_tokens/letmein", null, admin));
        Assert.Equal(1, after["completed"]!.GetValue<int>());
        Assert.Equal(0, after["pending"]!.GetValue<int>());
        Assert.False((await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/client/v1/register/m.login.registration_token/validity?token=letmein")))["valid"]!.GetValue<bool>());
        Assert.False((await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/client/v1/register/m.login.registration_token/validity?token=unknown")))["valid"]!.GetValue<bool>());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/client/v1/register/m.login.registration_token/validity"), 400, "M_MISSING_PARAM");

        var second = await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register", new { username = "tok2", password = "pw" }));
        await UiaAssert.ChallengeAsync(await server.PostAsync(V3 + "/register",
            new { username = "tok2", password = "pw", auth = new { type = "m.login.registration_token", token = "letmein", session = second["session"]!.GetValue<string>() } }), "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task Three_pid_token_requests_are_denied()
    {
        await using var server = await StartAsync();
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register/email/requestToken", new { client_secret = "s", email = "a@b.c", send_attempt = 1 }), 403, "M_THREEPID_DENIED");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/register/msisdn/requestToken", new { client_secret = "s", country = "GB", phone_number = "1", send_attempt = 1 }), 403, "M_THREEPID_DENIED");
    }
}

public sealed class RegistrationTests_Sqlite : RegistrationTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class RegistrationTests_Postgres : RegistrationTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
