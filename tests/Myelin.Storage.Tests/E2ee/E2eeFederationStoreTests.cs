using Myelin.Protocol.Identifiers;
using Myelin.Storage.E2ee;
using Myelin.Storage.Streams;
using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.ToDevice;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.E2ee;

/// <summary>The remote device-list cache, the outbound announcement state and inbound to-device idempotence.</summary>
public abstract class E2eeFederationStoreTests : StorageTestBase
{
    private static readonly UserId Remote = UserId.Parse("@carol:remote.example");
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly DeviceId Phone = Ids.Device("PHONE");
    private static readonly DeviceId Laptop = Ids.Device("LAPTOP");

    [Fact]
    public async Task A_snapshot_replaces_the_cached_list_and_records_a_device_list_change()
    {
        Assert.Null(await Db.RemoteDeviceLists.GetStateAsync(Remote));
        var before = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);

        await Db.RemoteDeviceLists.ReplaceAsync(Remote, 7, [new RemoteDevice(Phone, "Phone", "{\"k\":1}"), new RemoteDevice(Laptop, null, null)],
            new Dictionary<string, string> { ["master"] = "{\"m\":1}", ["self_signing"] = "{\"s\":1}" }, updatedTs: 100);

        Assert.Equal(new RemoteDeviceListState(7, false, 100), await Db.RemoteDeviceLists.GetStateAsync(Remote));
        var devices = await Db.RemoteDeviceLists.GetDevicesAsync([Remote, Alice]);
        Assert.Equal(["LAPTOP", "PHONE"], devices.Select(d => d.DeviceId.Value));
        Assert.Equal(("Phone", "{\"k\":1}"), (devices[1].DisplayName, devices[1].KeyJson));
        Assert.Null(devices[0].KeyJson);
        Assert.Equal("{\"m\":1}", (await Db.RemoteDeviceLists.GetCrossSigningKeysAsync(Remote))["master"]);
        Assert.Equal([Remote], await Db.Devices.GetDeviceListChangesAsync(before));

        // A second snapshot drops what it no longer lists.
        await Db.RemoteDeviceLists.ReplaceAsync(Remote, 9, [new RemoteDevice(Laptop, "L", "{}")], new Dictionary<string, string> { ["master"] = "{\"m\":2}" }, 200);
        Assert.Equal("LAPTOP", Assert.Single(await Db.RemoteDeviceLists.GetDevicesAsync([Remote])).DeviceId.Value);
        Assert.Equal(["master"], (await Db.RemoteDeviceLists.GetCrossSigningKeysAsync(Remote)).Keys);
        Assert.Equal(9, (await Db.RemoteDeviceLists.GetStateAsync(Remote))!.StreamId);
    }

    [Fact]
    public async Task Updates_apply_only_to_a_cached_list_and_replace_or_delete_one_device()
    {
        Assert.False(await Db.RemoteDeviceLists.ApplyUpdateAsync(Remote, 1, Phone, new RemoteDevice(Phone, null, "{}"), 1));
        Assert.Empty(await Db.RemoteDeviceLists.GetDevicesAsync([Remote]));

        await Db.RemoteDeviceLists.ReplaceAsync(Remote, 1, [new RemoteDevice(Phone, "Old", "{\"v\":1}")], new Dictionary<string, string>(), 1);
        var before = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);
        Assert.True(await Db.RemoteDeviceLists.ApplyUpdateAsync(Remote, 2, Phone, new RemoteDevice(Phone, "New", "{\"v\":2}"), 2));
        Assert.True(await Db.RemoteDeviceLists.ApplyUpdateAsync(Remote, 3, Laptop, new RemoteDevice(Laptop, null, null), 3));
        var devices = await Db.RemoteDeviceLists.GetDevicesAsync([Remote]);
        Assert.Equal([("LAPTOP", null, null), ("PHONE", "New", "{\"v\":2}")], devices.Select(d => (d.DeviceId.Value, d.DisplayName, d.KeyJson)));
        Assert.Equal([Remote], await Db.Devices.GetDeviceListChangesAsync(before));

        Assert.True(await Db.RemoteDeviceLists.ApplyUpdateAsync(Remote, 4, Phone, null, 4));
        Assert.Equal("LAPTOP", Assert.Single(await Db.RemoteDeviceLists.GetDevicesAsync([Remote])).DeviceId.Value);
        Assert.Equal(new RemoteDeviceListState(4, false, 4), await Db.RemoteDeviceLists.GetStateAsync(Remote));
    }

    [Fact]
    public async Task Stale_lists_are_flagged_until_the_next_snapshot_and_can_be_forgotten()
    {
        await Db.RemoteDeviceLists.ReplaceAsync(Remote, 5, [new RemoteDevice(Phone, null, "{}")], new Dictionary<string, string> { ["master"] = "{}" }, 1);
        var before = await Db.Streams.GetCurrentAsync(StreamName.DeviceLists);
        await Db.RemoteDeviceLists.MarkStaleAsync(Remote);
        Assert.True((await Db.RemoteDeviceLists.GetStateAsync(Remote))!.Stale);
        Assert.Equal([Remote], await Db.Devices.GetDeviceListChangesAsync(before));
        await Db.RemoteDeviceLists.ReplaceAsync(Remote, 6, [], new Dictionary<string, string>(), 2);
        Assert.False((await Db.RemoteDeviceLists.GetStateAsync(Remote))!.Stale);

        await Db.RemoteDeviceLists.SetCrossSigningKeysAsync(Remote, new Dictionary<string, string> { ["self_signing"] = "{\"s\":1}" });
        Assert.Equal("{\"s\":1}", (await Db.RemoteDeviceLists.GetCrossSigningKeysAsync(Remote))["self_signing"]);
        Assert.True(await Db.RemoteDeviceLists.DeleteAsync(Remote));
        Assert.False(await Db.RemoteDeviceLists.DeleteAsync(Remote));
        Assert.Null(await Db.RemoteDeviceLists.GetStateAsync(Remote));
        Assert.Empty(await Db.RemoteDeviceLists.GetCrossSigningKeysAsync(Remote));
    }

    [Fact]
    public async Task Outbound_state_keeps_the_cursor_and_each_users_last_announcement()
    {
        Assert.Equal(new StreamPosition(0), await Db.DeviceListOutbound.GetCursorAsync());
        await Db.DeviceListOutbound.SetCursorAsync(new StreamPosition(12));
        await Db.DeviceListOutbound.SetCursorAsync(new StreamPosition(15));
        Assert.Equal(new StreamPosition(15), await Db.DeviceListOutbound.GetCursorAsync());

        Assert.Null(await Db.DeviceListOutbound.GetAnnouncedAsync(Alice));
        await Db.DeviceListOutbound.SetAnnouncedAsync(Alice, 1, "{\"a\":1}");
        await Db.DeviceListOutbound.SetAnnouncedAsync(Alice, 3, "{\"a\":3}");
        Assert.Equal(new AnnouncedDeviceList(3, "{\"a\":3}"), await Db.DeviceListOutbound.GetAnnouncedAsync(Alice));
    }

    [Fact]
    public async Task Inbound_to_device_messages_are_delivered_once_per_origin_and_message_id()
    {
        await Db.Users.CreateAsync(new NewUser(Alice, "h", 1));
        await Db.Devices.CreateAsync(Alice, Phone, null, 1);
        var origin = ServerName.Parse("remote.example");
        OutgoingToDeviceMessage[] messages = [new(Alice, Phone, Remote, "m.test", "{\"n\":1}")];

        var first = await Db.InboundToDevice.DeliverOnceAsync(origin, "m1", messages, receivedTs: 1000, forgetBeforeTs: 0);
        Assert.NotNull(first);
        Assert.Null(await Db.InboundToDevice.DeliverOnceAsync(origin, "m1", messages, 1001, 0));
        // The same ID from another server is another message.
        Assert.NotNull(await Db.InboundToDevice.DeliverOnceAsync(ServerName.Parse("other.example"), "m1", messages, 1002, 0));
        Assert.Equal(new StreamPosition(0), await Db.InboundToDevice.DeliverOnceAsync(origin, "empty", [], 1003, 0));
        var inbox = await Db.ToDevice.GetAsync(Alice, Phone, new StreamPosition(0), new StreamPosition(first.Value.Value + 10), 10);
        Assert.Equal(2, inbox.Count);
        Assert.Equal((Remote, "m.test", "{\"n\":1}"), (inbox[0].Sender, inbox[0].Type, inbox[0].Content));

        // Once forgotten (older than the retention), an ID is accepted again.
        Assert.NotNull(await Db.InboundToDevice.DeliverOnceAsync(origin, "m1", messages, 5000, forgetBeforeTs: 2000));
    }
}

public sealed class E2eeFederationStoreTests_Sqlite : E2eeFederationStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class E2eeFederationStoreTests_Postgres : E2eeFederationStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
