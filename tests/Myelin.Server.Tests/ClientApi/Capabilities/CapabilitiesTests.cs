using Myelin.Protocol.RoomVersions;
using Myelin.Server.Tests.Support;
using static Myelin.Server.Tests.ClientApi.Accounts.AccountRequests;

namespace Myelin.Server.Tests.ClientApi.Capabilities;

public abstract class CapabilitiesTests
{
    protected abstract TestEngine Engine { get; }

    [Fact]
    public async Task Capabilities_list_room_versions_and_account_features()
    {
        await using var server = await TestHomeserver.StartAsync(Engine);
        var user = await server.RegisterAsync();
        var caps = (await MatrixAssert.OkAsync(await user.GetAsync(V3 + "/capabilities")))["capabilities"]!;
        Assert.Equal("12", caps["m.room_versions"]!["default"]!.GetValue<string>());
        var available = caps["m.room_versions"]!["available"]!.AsObject();
        Assert.Equal(KnownRoomVersions.All.Count, available.Count);
        Assert.All(available, v => Assert.Equal("stable", v.Value!.GetValue<string>()));
        Assert.True(caps["m.change_password"]!["enabled"]!.GetValue<bool>());
        Assert.True(caps["m.set_displayname"]!["enabled"]!.GetValue<bool>());
        Assert.True(caps["m.set_avatar_url"]!["enabled"]!.GetValue<bool>());
        Assert.False(caps["m.3pid_changes"]!["enabled"]!.GetValue<bool>());
        Assert.True(caps["m.get_login_token"]!["enabled"]!.GetValue<bool>());
        Assert.True(caps["m.profile_fields"]!["enabled"]!.GetValue<bool>());
        await MatrixAssert.ErrorAsync(await server.Http.GetAsync(V3 + "/capabilities"), 401, "M_MISSING_TOKEN");
    }
}

public sealed class CapabilitiesTests_Sqlite : CapabilitiesTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class CapabilitiesTests_Postgres : CapabilitiesTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
