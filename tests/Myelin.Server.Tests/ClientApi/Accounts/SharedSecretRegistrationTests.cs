using System.Text.Json.Nodes;
using Myelin.Server.Accounts;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Accounts;

public abstract class SharedSecretRegistrationTests
{
    private const string Path = "/_synapse/admin/v1/register";

    protected abstract TestEngine Engine { get; }

    /// <summary>Registers through the shared-secret API (the test host's secret) and returns the access token.</summary>
    public static async Task<string> RegisterAdminAsync(TestHomeserver server, string username, bool admin = true, string password = "admin password")
    {
        string nonce = (await MatrixAssert.OkAsync(await server.Http.GetAsync(Path)))["nonce"]!.GetValue<string>();
        string mac = Convert.ToHexStringLower(AccountService.ComputeSharedSecretMac("test-shared-secret", nonce, username, password, admin, null));
        var body = await MatrixAssert.OkAsync(await server.PostAsync(Path, new { nonce, username, password, admin, mac }));
        return body["access_token"]!.GetValue<string>();
    }

    [Fact]
    public async Task Shared_secret_registration_creates_admins_and_spends_nonces()
    {
        await using var server = await TestHomeserver.StartAsync(Engine, c => c with { EnableRegistration = false });
        string token = await RegisterAdminAsync(server, "root");
        var whoami = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, token));
        Assert.Equal("@root:localhost", whoami["user_id"]!.GetValue<string>());
        // Admin-only endpoints accept the new account.
        await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, "/_synapse/admin/v1/registration_tokens", null, token));

        string nonce = (await MatrixAssert.OkAsync(await server.Http.GetAsync(Path)))["nonce"]!.GetValue<string>();
        string wrongMac = Convert.ToHexStringLower(AccountService.ComputeSharedSecretMac("not-the-secret", nonce, "eve", "pw", false, null));
        await MatrixAssert.ErrorAsync(await server.PostAsync(Path, new { nonce, username = "eve", password = "pw", admin = false, mac = wrongMac }), 403, "M_FORBIDDEN");
        // The nonce was spent by the failed attempt.
        string rightMac = Convert.ToHexStringLower(AccountService.ComputeSharedSecretMac("test-shared-secret", nonce, "eve", "pw", false, null));
        await MatrixAssert.ErrorAsync(await server.PostAsync(Path, new { nonce, username = "eve", password = "pw", admin = false, mac = rightMac }), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(Path, new { nonce = "made-up", username = "eve", password = "pw", mac = rightMac }), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(Path, new { username = "eve", password = "pw", mac = rightMac }), 400, "M_MISSING_PARAM");

        // A taken name is refused with the registration errcode.
        string again = (await MatrixAssert.OkAsync(await server.Http.GetAsync(Path)))["nonce"]!.GetValue<string>();
        string mac = Convert.ToHexStringLower(AccountService.ComputeSharedSecretMac("test-shared-secret", again, "root", "pw", false, null));
        await MatrixAssert.ErrorAsync(await server.PostAsync(Path, new { nonce = again, username = "root", password = "pw", admin = false, mac }), 400, "M_USER_IN_USE");

        // Non-admins cannot use the admin API.
        string user = await RegisterAdminAsync(server, "plain", admin: false);
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Get, "/_synapse/admin/v1/registration_tokens", null, user), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Shared_secret_registration_is_off_without_a_secret()
    {
        await using var server = await TestHomeserver.StartAsync(Engine, c => c with { RegistrationSharedSecret = null });
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(Path), 400, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await server.PostAsync(Path, new { nonce = "n", username = "u", password = "p", mac = "00" }), 400, "M_UNKNOWN");
    }

    [Fact]
    public async Task Registration_token_admin_api_validates_and_manages_tokens()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        string admin = await RegisterAdminAsync(server, "root");
        const string New = "/_synapse/admin/v1/registration_tokens/new";
        var generated = await MatrixAssert.OkAsync(await server.PostAsync(New, new { length = 10 }, admin));
        Assert.Matches("^[A-Za-z0-9]{10}$", generated["token"]!.GetValue<string>());
        Assert.Null(generated["uses_allowed"]);
        await MatrixAssert.ErrorAsync(await server.PostAsync(New, new { token = "bad token!" }, admin), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(New, new { uses_allowed = -1 }, admin), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(New, new { expiry_time = 1 }, admin), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await server.PostAsync(New, new { uses_allowed = "two" }, admin), 400, "M_BAD_JSON");
        await MatrixAssert.OkAsync(await server.PostAsync(New, new { token = "abc" }, admin));
        await MatrixAssert.ErrorAsync(await server.PostAsync(New, new { token = "abc" }, admin), 400, "M_INVALID_PARAM");

        var list = await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Get, "/_synapse/admin/v1/registration_tokens", null, admin));
        Assert.Equal(2, list["registration_tokens"]!.AsArray().Count);
        await MatrixAssert.OkAsync(await server.SendAsync(HttpMethod.Delete, "/_synapse/admin/v1/registration_tokens/abc", null, admin));
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Delete, "/_synapse/admin/v1/registration_tokens/abc", null, admin), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Get, "/_synapse/admin/v1/registration_tokens/abc", null, admin), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.PostAsync(New, new { }), 401, "M_MISSING_TOKEN");
    }
}

public sealed class SharedSecretRegistrationTests_Sqlite : SharedSecretRegistrationTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class SharedSecretRegistrationTests_Postgres : SharedSecretRegistrationTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
