using System.Text.Json.Nodes;
using Myelin.Server.Configuration;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Accounts;

public abstract class LoginTests
{
    protected abstract TestEngine Engine { get; }

    private Task<TestHomeserver> StartAsync(Func<MyelinConfig, MyelinConfig>? configure = null) => TestHomeserver.StartAsync(Engine, configure);

    private static Task<HttpResponseMessage> WhoAmIAsync(TestHomeserver server, string token) =>
        server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, token);

    [Fact]
    public async Task Login_flows_offer_password_and_token_login()
    {
        await using var server = await StartAsync();
        var flows = (await MatrixAssert.OkAsync(await server.Http.GetAsync(V3 + "/login")))["flows"]!.AsArray();
        Assert.Contains(flows, f => f!["type"]!.GetValue<string>() == "m.login.password");
        var token = Assert.Single(flows, f => f!["type"]!.GetValue<string>() == "m.login.token");
        Assert.True(token!["get_login_token"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Password_login_accepts_localparts_full_ids_and_the_legacy_user_field()
    {
        await using var server = await StartAsync();
        var alice = await server.RegisterAsync("alice", "pw one");
        foreach (string user in new[] { "alice", "@alice:localhost", "ALICE" })
        {
            var body = await server.LoginAsync(user, "pw one");
            Assert.Equal("@alice:localhost", body["user_id"]!.GetValue<string>());
            Assert.NotEqual(alice.DeviceId, body["device_id"]!.GetValue<string>());
            Assert.Equal("localhost", body["home_server"]!.GetValue<string>());
            await MatrixAssert.OkAsync(await WhoAmIAsync(server, body["access_token"]!.GetValue<string>()));
        }
        var legacy = await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.password", user = "alice", password = "pw one" }));
        Assert.Equal("@alice:localhost", legacy["user_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_credentials_and_requests_are_refused_with_spec_errors()
    {
        await using var server = await StartAsync();
        await server.RegisterAsync("bob", "right");
        object Login(object identifier, object? password) => new { type = "m.login.password", identifier, password };
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", Login(new { type = "m.id.user", user = "bob" }, "wrong")), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", Login(new { type = "m.id.user", user = "nobody" }, "right")), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", Login(new { type = "m.id.user", user = "@bob:elsewhere.org" }, "right")), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", Login(new { type = "m.id.thirdparty", medium = "email", address = "bob@example.org" }, "right")), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", Login(new { type = "m.id.carrier_pigeon" }, "right")), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", Login(new { type = "m.id.user", user = "bob" }, null)), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", Login(new { type = "m.id.user", user = 7 }, "right")), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.sso" }), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { password = "right" }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", "[]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.password", user = "bob", password = "right", device_id = "" }), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Logging_in_again_with_the_same_device_id_replaces_its_tokens()
    {
        await using var server = await StartAsync();
        await server.RegisterAsync("dan", "pw");
        var first = await server.LoginAsync("dan", "pw", deviceId: "LAPTOP");
        var second = await server.LoginAsync("dan", "pw", deviceId: "LAPTOP");
        Assert.Equal("LAPTOP", second["device_id"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await WhoAmIAsync(server, first["access_token"]!.GetValue<string>()), 401, "M_UNKNOWN_TOKEN");
        var whoami = await MatrixAssert.OkAsync(await WhoAmIAsync(server, second["access_token"]!.GetValue<string>()));
        Assert.Equal("LAPTOP", whoami["device_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Logout_ends_one_session_and_logout_all_ends_every_session()
    {
        await using var server = await StartAsync();
        var erin = await server.RegisterAsync("erin", "pw");
        var second = (await server.LoginAsync("erin", "pw"))["access_token"]!.GetValue<string>();
        var third = (await server.LoginAsync("erin", "pw"))["access_token"]!.GetValue<string>();

        await MatrixAssert.OkAsync(await erin.PostAsync(V3 + "/logout", new { }));
        await MatrixAssert.ErrorAsync(await erin.GetAsync(V3 + "/account/whoami"), 401, "M_UNKNOWN_TOKEN");
        await MatrixAssert.OkAsync(await WhoAmIAsync(server, second));

        await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/logout/all", "{}", second));
        await MatrixAssert.ErrorAsync(await WhoAmIAsync(server, second), 401, "M_UNKNOWN_TOKEN");
        await MatrixAssert.ErrorAsync(await WhoAmIAsync(server, third), 401, "M_UNKNOWN_TOKEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/logout", "{}"), 401, "M_MISSING_TOKEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/logout/all", "{}", "nonsense"), 401, "M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task Whoami_requires_a_valid_token()
    {
        await using var server = await StartAsync();
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/account/whoami"), 401, "M_MISSING_TOKEN");
        var unknown = await MatrixAssert.ErrorAsync(await WhoAmIAsync(server, "mya_nope"), 401, "M_UNKNOWN_TOKEN");
        Assert.False(unknown["soft_logout"]!.GetValue<bool>());
        var user = await server.RegisterAsync();
        // The deprecated query parameter still authenticates.
        await MatrixAssert.OkAsync(await server.Http.GetAsync(V3 + "/account/whoami?access_token=" + Uri.EscapeDataString(user.AccessToken)));
    }

    [Fact]
    public async Task Login_tokens_need_reauthentication_and_work_once()
    {
        await using var server = await StartAsync();
        var fay = await server.RegisterAsync("fay", "pw");
        const string GetToken = "/_matrix/client/v1/login/get_token";
        var challenge = await UiaAssert.ChallengeAsync(await fay.PostAsync(GetToken, new { }));
        Assert.Equal("m.login.password", challenge["flows"]![0]!["stages"]![0]!.GetValue<string>());
        string session = challenge["session"]!.GetValue<string>();
        await UiaAssert.ChallengeAsync(await fay.PostAsync(GetToken, new { auth = PasswordAuth(fay, session, "wrong") }), "M_FORBIDDEN");
        var issued = await MatrixAssert.OkAsync(await fay.PostAsync(GetToken, new { auth = PasswordAuth(fay, session) }));
        string token = issued["login_token"]!.GetValue<string>();
        Assert.True(issued["expires_in_ms"]!.GetValue<long>() > 0);

        var login = await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.token", token }));
        Assert.Equal("@fay:localhost", login["user_id"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.token", token }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.token" }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(GetToken, "{}"), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Login_is_rate_limited()
    {
        await using var server = await StartAsync(c => c with
        {
            RateLimiting = new RateLimitingConfig { Login = new RateLimitConfig(0.001, 2), Registration = new RateLimitConfig(1000, 1000) },
        });
        await server.RegisterAsync("gus", "pw");
        await server.LoginAsync("gus", "pw");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.password", user = "gus", password = "bad" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.password", user = "gus", password = "pw" }), 429, "M_LIMIT_EXCEEDED");
    }
}

public sealed class LoginTests_Sqlite : LoginTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class LoginTests_Postgres : LoginTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
