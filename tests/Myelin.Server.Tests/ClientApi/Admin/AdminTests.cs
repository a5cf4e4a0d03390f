using Microsoft.Extensions.DependencyInjection;
using Myelin.Storage;
using Myelin.Server.Tests.ClientApi.Accounts;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Admin;

public abstract class AdminTests
{
    private const string V1 = "/_matrix/client/v1";

    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Locking_an_account_blocks_its_requests_until_unlocked()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        string admin = await SharedSecretRegistrationTests.RegisterAdminAsync(server, "root");
        var user = await server.RegisterAsync("mallory");
        string path = V1 + "/admin/lock/" + Uri.EscapeDataString(user.UserId.Value);

        await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/account/whoami"));
        Assert.False((await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, path, null, admin)))["locked"]!.GetValue<bool>());
        var locked = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Put, path, new { locked = true }, admin));
        Assert.True(locked["locked"]!.GetValue<bool>());
        var refused = await MatrixAssert.ErrorAsync(await user.GetAsync(V3 + "/account/whoami"), 401, "M_USER_LOCKED");
        Assert.True(refused["soft_logout"]!.GetValue<bool>());
        Assert.True((await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, path, null, admin)))["locked"]!.GetValue<bool>());

        await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Put, path, new { locked = false }, admin));
        await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/account/whoami"));
    }

    [Fact]
    public async Task Suspension_is_recorded_and_admin_rules_are_enforced()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        string admin = await SharedSecretRegistrationTests.RegisterAdminAsync(server, "root");
        string otherAdmin = await SharedSecretRegistrationTests.RegisterAdminAsync(server, "root2");
        var user = await server.RegisterAsync("sus");
        string path = V1 + "/admin/suspend/" + Uri.EscapeDataString(user.UserId.Value);

        Assert.True((await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Put, path, new { suspended = true }, admin)))["suspended"]!.GetValue<bool>());
        Assert.True((await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, path, null, admin)))["suspended"]!.GetValue<bool>());

        await MatrixAssert.ErrorAsync(await user.GetAsync(path), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await user.PutAsync(path, new { suspended = false }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Put, V1 + "/admin/suspend/%40root2%3Alocalhost", new { suspended = true }, admin), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Put, V1 + "/admin/lock/%40root%3Alocalhost", new { locked = true }, otherAdmin), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Get, V1 + "/admin/suspend/%40x%3Aelsewhere.org", null, admin), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Get, V1 + "/admin/lock/%40ghost%3Alocalhost", null, admin), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Put, path, new { suspended = "yes" }, admin), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Put, path, new { }, admin), 400, "M_MISSING_PARAM");
    }

    [Fact]
    public async Task Whois_is_for_admins_and_the_user_themself()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        string admin = await SharedSecretRegistrationTests.RegisterAdminAsync(server, "root");
        var user = await server.RegisterAsync("who");
        var other = await server.RegisterAsync();
        string path = V3 + "/admin/whois/" + Uri.EscapeDataString(user.UserId.Value);
        // A request records the device's last-seen data (in the background).
        await user.GetAsync(V3 + "/account/whoami");

        var info = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, path, null, admin));
        Assert.Equal(user.UserId.Value, info["user_id"]!.GetValue<string>());
        Assert.NotNull(info["devices"]![user.DeviceId]!["sessions"]![0]!["connections"]);
        await MatrixAssert.OkAsync(await user.GetAsync(path));
        await MatrixAssert.ErrorAsync(await other.GetAsync(path), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Get, V3 + "/admin/whois/%40ghost%3Alocalhost", null, admin), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Users_can_be_reported()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var reporter = await server.RegisterAsync();
        var target = await server.RegisterAsync();
        string path = V3 + "/users/" + Uri.EscapeDataString(target.UserId.Value) + "/report";
        await MatrixAssert.OkAsync(await reporter.PostAsync(path, new { reason = "spam" }));
        var reports = await server.Services.GetRequiredService<MyelinDatabase>().UserReports.ListAsync(10);
        Assert.Equal("spam", Assert.Single(reports).Reason);

        await MatrixAssert.ErrorAsync(await reporter.PostAsync(path, new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await reporter.PostAsync(path, new { reason = 1 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await reporter.PostAsync(V3 + "/users/%40ghost%3Alocalhost/report", new { reason = "x" }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.PostAsync(path, new { reason = "x" }), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task OpenId_tokens_are_verifiable_through_federation_userinfo()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var other = await server.RegisterAsync();
        string path = V3 + "/user/" + Uri.EscapeDataString(user.UserId.Value) + "/openid/request_token";
        var token = await MatrixAssert.OkAsync(await user.PostAsync(path, new { }));
        Assert.Equal("Bearer", token["token_type"]!.GetValue<string>());
        Assert.Equal("localhost", token["matrix_server_name"]!.GetValue<string>());
        Assert.Equal(3600, token["expires_in"]!.GetValue<int>());

        var info = await MatrixAssert.OkAsync(await server.Http.GetAsync("/_matrix/federation/v1/openid/userinfo?access_token=" + Uri.EscapeDataString(token["access_token"]!.GetValue<string>())));
        Assert.Equal(user.UserId.Value, info["sub"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/federation/v1/openid/userinfo?access_token=bogus"), 401, "M_UNKNOWN_TOKEN");
        // The user's access token is not an OpenID token.
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync("/_matrix/federation/v1/openid/userinfo?access_token=" + Uri.EscapeDataString(user.AccessToken)), 401, "M_UNKNOWN_TOKEN");
        await MatrixAssert.ErrorAsync(await other.PostAsync(path, new { }), 403, "M_FORBIDDEN");
    }
}

public sealed class AdminTests_Sqlite : AdminTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class AdminTests_Postgres : AdminTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
