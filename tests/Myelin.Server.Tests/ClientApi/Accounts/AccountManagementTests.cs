using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Accounts;

public abstract class AccountManagementTests
{
    protected abstract TestEngine Engine { get; }

    private static Task<HttpResponseMessage> WhoAmIAsync(TestHomeserver server, string token) =>
        server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, token);

    [Fact]
    public async Task Password_change_needs_the_old_password_and_logs_out_other_devices_by_default()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("pat", "old pw");
        string other = (await server.LoginAsync("pat", "old pw"))["access_token"]!.GetValue<string>();

        var challenge = await UiaAssert.ChallengeAsync(await user.PostAsync(V3 + "/account/password", new { new_password = "new pw" }));
        string session = challenge["session"]!.GetValue<string>();
        await UiaAssert.ChallengeAsync(await user.PostAsync(V3 + "/account/password", new { new_password = "new pw", auth = PasswordAuth(user, session, "wrong") }), "M_FORBIDDEN");
        await MatrixAssert.OkAsync(await user.PostAsync(V3 + "/account/password", new { new_password = "new pw", auth = PasswordAuth(user, session) }));

        await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/account/whoami"));
        await MatrixAssert.ErrorAsync(await WhoAmIAsync(server, other), 401, "M_UNKNOWN_TOKEN");
        var devices = (await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/devices")))["devices"]!.AsArray();
        Assert.Equal(user.DeviceId, Assert.Single(devices)!["device_id"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.password", user = "pat", password = "old pw" }), 403, "M_FORBIDDEN");
        await server.LoginAsync("pat", "new pw");
    }

    [Fact]
    public async Task Password_change_can_keep_other_sessions_and_validates_input()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("quinn", "pw");
        string other = (await server.LoginAsync("quinn", "pw"))["access_token"]!.GetValue<string>();
        var response = await user.WithPasswordAuthAsync(HttpMethod.Post, V3 + "/account/password",
            auth => new { new_password = "pw2", logout_devices = false, auth });
        await MatrixAssert.OkAsync(response);
        await MatrixAssert.OkAsync(await WhoAmIAsync(server, other));

        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/password", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/password", new { new_password = 5 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/password", new { new_password = "x", logout_devices = "no" }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/account/password", new { new_password = "x" }), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task Deactivation_ends_every_session_and_blocks_login()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("rex", "pw");
        string other = (await server.LoginAsync("rex", "pw"))["access_token"]!.GetValue<string>();
        var response = await user.WithPasswordAuthAsync(HttpMethod.Post, V3 + "/account/deactivate", auth => new { auth, erase = true });
        var body = await MatrixAssert.OkAsync(response);
        Assert.Equal("no-support", body["id_server_unbind_result"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await user.GetAsync(V3 + "/account/whoami"), 401, "M_UNKNOWN_TOKEN");
        await MatrixAssert.ErrorAsync(await WhoAmIAsync(server, other), 401, "M_UNKNOWN_TOKEN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/login", new { type = "m.login.password", user = "rex", password = "pw" }), 403, "M_USER_DEACTIVATED");
        // The name stays taken.
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/register/available?username=rex"), 400, "M_USER_IN_USE");
    }

    [Fact]
    public async Task Deactivation_needs_reauthentication_and_valid_input()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("sam", "pw");
        var challenge = await UiaAssert.ChallengeAsync(await user.PostAsync(V3 + "/account/deactivate", new { }));
        await UiaAssert.ChallengeAsync(await user.PostAsync(V3 + "/account/deactivate",
            new { auth = PasswordAuth(user, challenge["session"]!.GetValue<string>(), "wrong") }), "M_FORBIDDEN");
        // Another user's identifier cannot authenticate this requester.
        await UiaAssert.ChallengeAsync(await user.PostAsync(V3 + "/account/deactivate",
            new { auth = new { type = "m.login.password", identifier = new { type = "m.id.user", user = "someoneelse" }, password = "pw", session = challenge["session"]!.GetValue<string>() } }), "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/deactivate", new { erase = "yes" }), 400, "M_BAD_JSON");
        await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/account/whoami"));
    }

    [Fact]
    public async Task Third_party_identifiers_are_empty_and_cannot_be_added()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var list = await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/account/3pid"));
        Assert.Empty(list["threepids"]!.AsArray());
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/3pid/add", new { client_secret = "s", sid = "x" }), 403, "M_THREEPID_DENIED");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/3pid/bind", new { client_secret = "s", sid = "x", id_server = "id.example.org", id_access_token = "t" }), 403, "M_THREEPID_DENIED");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/3pid/delete", new { medium = "email", address = "a@b.c" }), 400, "M_THREEPID_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/account/3pid/unbind", new { medium = "email" }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/account/3pid/email/requestToken", new { client_secret = "s", email = "a@b.c", send_attempt = 1 }), 403, "M_THREEPID_DENIED");
        await MatrixAssert.ErrorAsync(await server.PostAsync(V3 + "/account/password/email/requestToken", new { client_secret = "s", email = "a@b.c", send_attempt = 1 }), 400, "M_THREEPID_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/account/3pid"), 401, "M_MISSING_TOKEN");
    }
}

public sealed class AccountManagementTests_Sqlite : AccountManagementTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class AccountManagementTests_Postgres : AccountManagementTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
