using Myelin.Protocol.Identifiers;
using Myelin.Storage.Notifications;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Notifications;

/// <summary>Push actions per recipient: unread counts per room and thread, cleared by receipts.</summary>
public abstract class NotificationStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly UserId Bob = Ids.User("bob");

    [Fact]
    public async Task Counts_are_per_room_and_thread_and_receipts_clear_them_up_to_their_event()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Bob, isPublic: true);
        var m1 = await room.MessageAsync(Bob, "one");
        var m2 = await room.MessageAsync(Bob, "two");
        var m3 = await room.MessageAsync(Bob, "in thread");
        await Db.Notifications.AddAsync([
            new PushActionRecord(Alice, room.RoomId, "main", m1.EventId, Notify: true, Highlight: false),
            new PushActionRecord(Alice, room.RoomId, "main", m2.EventId, Notify: true, Highlight: true),
            new PushActionRecord(Alice, room.RoomId, "$root", m3.EventId, Notify: true, Highlight: false),
        ]);
        // Recording the same event twice counts it once.
        await Db.Notifications.AddAsync([new PushActionRecord(Alice, room.RoomId, "main", m1.EventId, true, false)]);

        var counts = await Db.Notifications.GetUnreadCountsAsync(Alice);
        Assert.Equal(new UnreadCount(room.RoomId, "main", 2, 1), Assert.Single(counts, c => c.ThreadId == "main"));
        Assert.Equal(new UnreadCount(room.RoomId, "$root", 1, 0), Assert.Single(counts, c => c.ThreadId == "$root"));
        Assert.Empty(await Db.Notifications.GetUnreadCountsAsync(Bob));

        // A threaded receipt clears only its thread; an unthreaded one every thread up to its event.
        await Db.Notifications.MarkReadAsync(Alice, room.RoomId, "main", m1.StreamPosition);
        Assert.Equal(new UnreadCount(room.RoomId, "main", 1, 1), Assert.Single(await Db.Notifications.GetUnreadCountsAsync(Alice), c => c.ThreadId == "main"));
        await Db.Notifications.MarkReadAsync(Alice, room.RoomId, null, m3.StreamPosition);
        Assert.Empty(await Db.Notifications.GetUnreadCountsAsync(Alice));
    }
}

public sealed class NotificationStoreTests_Sqlite : NotificationStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class NotificationStoreTests_Postgres : NotificationStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
