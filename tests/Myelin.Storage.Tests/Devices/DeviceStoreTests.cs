using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;
using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.Devices;

public abstract class DeviceStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");

    [Fact]
    public async Task Create_get_and_list_devices()
    {
        Assert.True(await Db.Devices.CreateAsync(Alice, Ids.Device("PHONE"), "Phone", 100));
        Assert.True(await Db.Devices.CreateAsync(Alice, Ids.Device("LAPTOP"), null, 200));
        Assert.True(await Db.Devices.CreateAsync(Ids.User("bob"), Ids.Device("PHONE"), "Bob's", 300));

        var phone = await Db.Devices.GetAsync(Alice, Ids.Device("PHONE"));
        Assert.NotNull(phone);
        Assert.Equal("Phone", phone.DisplayName);
        Assert.Equal(100, phone.CreatedTs);
        Assert.Null(phone.LastSeenTs);

        var list = await Db.Devices.ListAsync(Alice);
        Assert.Equal(["LAPTOP", "PHONE"], list.Select(d => d.DeviceId.Value));
        Assert.Null(await Db.Devices.GetAsync(Alice, Ids.Device("TABLET")));
    }

    [Fact]
    public async Task Create_with_an_existing_device_id_changes_nothing()
    {
        await Db.Devices.CreateAsync(Alice, Ids.Device("PHONE"), "Phone", 100);
        Assert.False(await Db.Devices.CreateAsync(Alice, Ids.Device("PHONE"), "Other", 999));
        Assert.Equal("Phone", (await Db.Devices.GetAsync(Alice, Ids.Device("PHONE")))!.DisplayName);
    }

    [Fact]
    public async Task Rename_and_last_seen()
    {
        await Db.Devices.CreateAsync(Alice, Ids.Device("PHONE"), "Phone", 100);
        Assert.True(await Db.Devices.RenameAsync(Alice, Ids.Device("PHONE"), "My phone"));
        Assert.True(await Db.Devices.UpdateLastSeenAsync(Alice, Ids.Device("PHONE"), "10.0.0.1", "Element/1.0", 500));
        Assert.False(await Db.Devices.RenameAsync(Alice, Ids.Device("NOPE"), "x"));
        Assert.False(await Db.Devices.UpdateLastSeenAsync(Alice, Ids.Device("NOPE"), "1.1.1.1", null, 1));

        var phone = await Db.Devices.GetAsync(Alice, Ids.Device("PHONE"));
        Assert.Equal("My phone", phone!.DisplayName);
        Assert.Equal("10.0.0.1", phone.LastSeenIp);
        Assert.Equal("Element/1.0", phone.LastSeenUserAgent);
        Assert.Equal(500, phone.LastSeenTs);
    }

    [Fact]
    public async Task Delete_removes_devices_with_their_tokens_only()
    {
        await Db.Users.CreateAsync(new NewUser(Alice, "h", 1));
        await Db.Devices.CreateAsync(Alice, Ids.Device("PHONE"), null, 1);
        await Db.Devices.CreateAsync(Alice, Ids.Device("LAPTOP"), null, 1);
        await Db.Devices.CreateAsync(Alice, Ids.Device("TABLET"), null, 1);
        await Db.AccessTokens.AddAsync("t_phone", Alice, Ids.Device("PHONE"), 1);
        await Db.AccessTokens.AddAsync("t_laptop", Alice, Ids.Device("LAPTOP"), 1);
        await Db.AccessTokens.AddAsync("t_tablet", Alice, Ids.Device("TABLET"), 1);
        await Db.AccessTokens.AddRefreshTokenAsync("r_phone", Alice, Ids.Device("PHONE"), 1);

        Assert.Equal(2, await Db.Devices.DeleteAsync(Alice, [Ids.Device("PHONE"), Ids.Device("LAPTOP"), Ids.Device("GONE")]));

        Assert.Equal(["TABLET"], (await Db.Devices.ListAsync(Alice)).Select(d => d.DeviceId.Value));
        Assert.Null(await Db.AccessTokens.GetAsync("t_phone"));
        Assert.Null(await Db.AccessTokens.GetAsync("t_laptop"));
        Assert.Null(await Db.AccessTokens.GetRefreshTokenAsync("r_phone"));
        Assert.NotNull(await Db.AccessTokens.GetAsync("t_tablet"));
        Assert.Equal(0, await Db.Devices.DeleteAsync(Alice, []));
    }

    [Fact]
    public async Task Device_changes_advance_the_device_lists_stream()
    {
        var bob = Ids.User("bob");
        var start = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);

        await Db.Devices.CreateAsync(Alice, Ids.Device("PHONE"), null, 1);
        var afterAlice = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);
        await Db.Devices.CreateAsync(bob, Ids.Device("PHONE"), null, 1);

        Assert.True(afterAlice > start);
        Assert.Equal([Alice, bob], await Db.Devices.GetDeviceListChangesAsync(start));
        Assert.Equal([bob], await Db.Devices.GetDeviceListChangesAsync(afterAlice));
        Assert.Equal([Alice], await Db.Devices.GetDeviceListChangesAsync(start, [Alice, Ids.User("carol")]));

        var beforeRename = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);
        await Db.Devices.RenameAsync(Alice, Ids.Device("PHONE"), "renamed");
        Assert.Equal([Alice], await Db.Devices.GetDeviceListChangesAsync(beforeRename));
        var beforeDelete = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);
        await Db.Devices.DeleteAsync(bob, [Ids.Device("PHONE")]);
        Assert.Equal([bob], await Db.Devices.GetDeviceListChangesAsync(beforeDelete));
    }
}

public sealed class DeviceStoreTests_Sqlite : DeviceStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class DeviceStoreTests_Postgres : DeviceStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
