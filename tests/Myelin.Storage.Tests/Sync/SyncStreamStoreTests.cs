using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;
using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.ToDevice;

namespace Myelin.Storage.Tests.Sync;

/// <summary>Account data, receipts, filters and to-device: the small stores sync reads.</summary>
public abstract class SyncStreamStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly UserId Bob = Ids.User("bob");

    [Fact]
    public async Task Account_data_global_and_per_room_with_changes_since()
    {
        var room = Ids.Room("r");
        var p1 = await Db.AccountData.SetAsync(Alice, null, "m.push_rules", """{"global":{}}""");
        var p2 = await Db.AccountData.SetAsync(Alice, room, "m.tag", """{"tags":{}}""");
        await Db.AccountData.SetAsync(Bob, null, "m.push_rules", "{}");
        Assert.True(p2 > p1);

        Assert.Equal("""{"global":{}}""", (await Db.AccountData.GetAsync(Alice, null, "m.push_rules"))!.Content);
        Assert.Null(await Db.AccountData.GetAsync(Alice, room, "m.push_rules"));
        var tag = await Db.AccountData.GetAsync(Alice, room, "m.tag");
        Assert.Equal(room, tag!.RoomId);
        Assert.Equal(p2, tag.StreamPosition);
        Assert.Equal(2, (await Db.AccountData.GetAllAsync(Alice)).Count);

        var p4 = await Db.AccountData.SetAsync(Alice, null, "m.push_rules", """{"global":{"x":1}}""");
        var changed = await Db.AccountData.GetChangedSinceAsync(Alice, p2);
        Assert.Equal(p4, Assert.Single(changed).StreamPosition);
        Assert.Equal("""{"global":{"x":1}}""", changed[0].Content);
        Assert.Equal(2, (await Db.AccountData.GetChangedSinceAsync(Alice, StreamPosition.Zero)).Count);
        Assert.Equal(p4, await Db.Streams.GetCurrentAsync(StreamName.AccountData));
    }

    [Fact]
    public async Task Receipts_replace_per_type_user_and_thread()
    {
        var room = Ids.Room("r");
        var other = Ids.Room("other");
        await Db.Receipts.SetAsync(room, "m.read", Alice, null, Ids.Event("e1"), 10);
        var threaded = await Db.Receipts.SetAsync(room, "m.read", Alice, "$thread", Ids.Event("e2"), 11);
        var since = await Db.Streams.GetCurrentAsync(StreamName.Receipts);
        var moved = await Db.Receipts.SetAsync(room, "m.read", Alice, null, Ids.Event("e3"), 12);
        await Db.Receipts.SetAsync(other, "m.read.private", Bob, null, Ids.Event("x"), 13);

        var receipts = await Db.Receipts.GetForRoomAsync(room);
        Assert.Equal(2, receipts.Count);
        Assert.Contains(receipts, r => r.ThreadId is null && r.EventId == Ids.Event("e3") && r.Ts == 12 && r.StreamPosition == moved);
        Assert.Contains(receipts, r => r.ThreadId == "$thread" && r.StreamPosition == threaded);

        var changed = await Db.Receipts.GetChangedSinceAsync([room, other], since);
        Assert.Equal([Ids.Event("e3"), Ids.Event("x")], changed.Select(r => r.EventId));
        Assert.Equal("m.read.private", changed[1].ReceiptType);
        Assert.Single(await Db.Receipts.GetChangedSinceAsync([room], since));
    }

    [Fact]
    public async Task Filters_get_per_user_ids_and_identical_uploads_reuse_them()
    {
        long f0 = await Db.Filters.AddAsync(Alice, """{"room":{"timeline":{"limit":10}}}""");
        long f1 = await Db.Filters.AddAsync(Alice, """{"presence":{"not_types":["*"]}}""");
        long again = await Db.Filters.AddAsync(Alice, """{"room":{"timeline":{"limit":10}}}""");
        long bob0 = await Db.Filters.AddAsync(Bob, "{}");

        Assert.Equal(0, f0);
        Assert.Equal(1, f1);
        Assert.Equal(f0, again);
        Assert.Equal(0, bob0);
        Assert.Equal("""{"presence":{"not_types":["*"]}}""", await Db.Filters.GetAsync(Alice, f1));
        Assert.Null(await Db.Filters.GetAsync(Bob, f1));
    }

    [Fact]
    public async Task To_device_inbox_delivers_in_order_and_deletes_acknowledged()
    {
        var phone = Ids.Device("PHONE");
        var start = await Db.Streams.GetCurrentAsync(StreamName.ToDevice);
        var last = await Db.ToDevice.AddAsync(
        [
            new OutgoingToDeviceMessage(Alice, phone, Bob, "m.room_key_request", """{"n":1}"""),
            new OutgoingToDeviceMessage(Alice, Ids.Device("LAPTOP"), Bob, "m.room_key_request", """{"n":2}"""),
            new OutgoingToDeviceMessage(Alice, phone, Bob, "m.room.encrypted", """{"n":3}"""),
        ]);
        Assert.Equal(start.Value + 3, last.Value);
        Assert.Equal(last, await Db.Streams.GetCurrentAsync(StreamName.ToDevice));

        var inbox = await Db.ToDevice.GetAsync(Alice, phone, start, last, 10);
        Assert.Equal(["""{"n":1}""", """{"n":3}"""], inbox.Select(m => m.Content));
        Assert.Equal(Bob, inbox[0].Sender);
        Assert.Single(await Db.ToDevice.GetAsync(Alice, phone, start, last, 1));

        Assert.Equal(1, await Db.ToDevice.DeleteUpToAsync(Alice, phone, inbox[0].StreamPosition));
        Assert.Equal(["""{"n":3}"""], (await Db.ToDevice.GetAsync(Alice, phone, StreamPosition.Zero, last, 10)).Select(m => m.Content));
        Assert.Single(await Db.ToDevice.GetAsync(Alice, Ids.Device("LAPTOP"), StreamPosition.Zero, last, 10));
        await Assert.ThrowsAsync<ArgumentException>(() => Db.ToDevice.AddAsync([]));
    }

    [Fact]
    public async Task All_stream_positions_are_reported()
    {
        await Db.AccountData.SetAsync(Alice, null, "t", "{}");
        var all = await Db.Streams.GetAllCurrentAsync();
        Assert.Equal(Enum.GetValues<StreamName>().Length, all.Count);
        Assert.Equal(1, all[StreamName.AccountData].Value);
        Assert.Equal(0, all[StreamName.Events].Value);
    }
}

public sealed class SyncStreamStoreTests_Sqlite : SyncStreamStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class SyncStreamStoreTests_Postgres : SyncStreamStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
