using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Accounts;

public abstract class DeviceTests
{
    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Devices_are_listed_read_and_renamed()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("tia", "pw");
        await server.LoginAsync("tia", "pw", deviceId: "TABLET");

        var devices = (await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/devices")))["devices"]!.AsArray();
        Assert.Equal(new[] { user.DeviceId, "TABLET" }.Order(), devices.Select(d => d!["device_id"]!.GetValue<string>()).Order());

        await MatrixAssert.OkAsync(await user.PutAsync(V3 + "/devices/TABLET", new { display_name = "My tablet" }));
        var tablet = await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/devices/TABLET"));
        Assert.Equal("My tablet", tablet["display_name"]!.GetValue<string>());
        // No display_name leaves it unchanged.
        await MatrixAssert.OkAsync(await user.PutAsync(V3 + "/devices/TABLET", new { }));
        Assert.Equal("My tablet", (await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/devices/TABLET")))["display_name"]!.GetValue<string>());

        await MatrixAssert.ErrorAsync(await user.GetAsync(V3 + "/devices/NOPE"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/devices/NOPE", new { display_name = "x" }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await user.PutAsync(V3 + "/devices/TABLET", new { display_name = 3 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/devices"), 401, "M_MISSING_TOKEN");

        // Another user's devices are invisible.
        var other = await server.RegisterAsync();
        await MatrixAssert.ErrorAsync(await other.GetAsync(V3 + "/devices/TABLET"), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Deleting_a_device_needs_reauthentication_and_revokes_its_token()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("uma", "pw");
        string tabletToken = (await server.LoginAsync("uma", "pw", deviceId: "TABLET"))["access_token"]!.GetValue<string>();

        await MatrixAssert.ErrorAsync(await user.DeleteAsync(V3 + "/devices/NOPE"), 404, "M_NOT_FOUND");
        var challenge = await UiaAssert.ChallengeAsync(await user.DeleteAsync(V3 + "/devices/TABLET"));
        await UiaAssert.ChallengeAsync(await user.DeleteAsync(V3 + "/devices/TABLET", new { auth = PasswordAuth(user, challenge["session"]!.GetValue<string>(), "bad") }), "M_FORBIDDEN");
        await MatrixAssert.OkAsync(await user.DeleteAsync(V3 + "/devices/TABLET", new { auth = PasswordAuth(user, challenge["session"]!.GetValue<string>()) }));

        await MatrixAssert.ErrorAsync(await server.SendAsync(HttpMethod.Get, V3 + "/account/whoami", null, tabletToken), 401, "M_UNKNOWN_TOKEN");
        await MatrixAssert.ErrorAsync(await user.GetAsync(V3 + "/devices/TABLET"), 404, "M_NOT_FOUND");
    }

    [Fact]
    public async Task Delete_devices_removes_several_at_once()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync("val", "pw");
        await server.LoginAsync("val", "pw", deviceId: "ONE");
        await server.LoginAsync("val", "pw", deviceId: "TWO");

        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/delete_devices", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await user.PostAsync(V3 + "/delete_devices", new { devices = new object[] { "ONE", 2 } }), 400, "M_BAD_JSON");
        var response = await user.WithPasswordAuthAsync(HttpMethod.Post, V3 + "/delete_devices",
            auth => new { devices = new[] { "ONE", "TWO", "UNKNOWN" }, auth });
        await MatrixAssert.OkAsync(response);
        var devices = (await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/devices")))["devices"]!.AsArray();
        Assert.Equal(user.DeviceId, Assert.Single(devices)!["device_id"]!.GetValue<string>());
    }
}

public sealed class DeviceTests_Sqlite : DeviceTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class DeviceTests_Postgres : DeviceTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
