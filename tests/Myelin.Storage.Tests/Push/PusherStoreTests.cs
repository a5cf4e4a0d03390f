using Myelin.Protocol.Identifiers;
using Myelin.Storage.Notifications;
using Myelin.Storage.Push;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Push;

/// <summary>Pushers, the notification history and the durable push queue.</summary>
public abstract class PusherStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly UserId Bob = Ids.User("bob");

    private static Pusher Make(UserId user, string pushkey, string? device = "PHONE", string kind = "http", long ts = 1000) => new()
    {
        UserId = user,
        AppId = "org.example.app",
        Pushkey = pushkey,
        Kind = kind,
        DeviceId = device is null ? null : Ids.Device(device),
        AppDisplayName = "App",
        DeviceDisplayName = "Phone",
        ProfileTag = "tag",
        Lang = "en",
        Data = """{"url":"https://push.example/_matrix/push/v1/notify"}""",
        PushkeyTs = ts,
    };

    [Fact]
    public async Task Set_creates_updates_keeping_pushkey_ts_and_deletes()
    {
        Assert.Equal(0, await Db.Pushers.SetAsync(Make(Alice, "k1", ts: 1000), append: false));
        await Db.Pushers.SetAsync(Make(Alice, "k1", ts: 5000) with { Lang = "de", ProfileTag = null }, append: false);
        var stored = Assert.Single(await Db.Pushers.GetForUserAsync(Alice));
        Assert.Equal("de", stored.Lang);
        Assert.Null(stored.ProfileTag);
        Assert.Equal(1000, stored.PushkeyTs);
        Assert.Equal(Ids.Device("PHONE"), stored.DeviceId);
        Assert.Equal("""{"url":"https://push.example/_matrix/push/v1/notify"}""", stored.Data);

        Assert.True(await Db.Pushers.DeleteAsync(Alice, "org.example.app", "k1"));
        Assert.False(await Db.Pushers.DeleteAsync(Alice, "org.example.app", "k1"));
        Assert.Empty(await Db.Pushers.GetForUserAsync(Alice));
    }

    [Fact]
    public async Task Append_false_removes_other_users_pushers_with_the_same_pushkey()
    {
        await Db.Pushers.SetAsync(Make(Alice, "shared"), append: false);
        Assert.Equal(0, await Db.Pushers.SetAsync(Make(Bob, "shared"), append: true));
        Assert.NotNull(await Db.Pushers.GetAsync(Alice, "org.example.app", "shared"));
        Assert.Equal(1, await Db.Pushers.SetAsync(Make(Bob, "shared"), append: false));
        Assert.Null(await Db.Pushers.GetAsync(Alice, "org.example.app", "shared"));
        Assert.NotNull(await Db.Pushers.GetAsync(Bob, "org.example.app", "shared"));
    }

    [Fact]
    public async Task Deleting_the_device_or_deactivating_removes_pushers()
    {
        await Db.Devices.CreateAsync(Alice, Ids.Device("PHONE"), null, 1);
        await Db.Devices.CreateAsync(Alice, Ids.Device("LAPTOP"), null, 1);
        await Db.Pushers.SetAsync(Make(Alice, "phone", "PHONE"), append: false);
        await Db.Pushers.SetAsync(Make(Alice, "laptop", "LAPTOP"), append: false);
        await Db.Devices.DeleteAsync(Alice, [Ids.Device("PHONE")]);
        Assert.Equal("laptop", Assert.Single(await Db.Pushers.GetForUserAsync(Alice)).Pushkey);

        await Db.Users.CreateAsync(new Myelin.Storage.Users.NewUser(Alice, "hash", 1));
        Assert.True(await Db.Users.DeactivateAsync(Alice));
        Assert.Empty(await Db.Pushers.GetForUserAsync(Alice));
    }

    [Fact]
    public async Task Notifying_actions_are_queued_for_http_pushers_and_listed_in_the_history()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Bob, isPublic: true);
        await Db.Pushers.SetAsync(Make(Alice, "k1"), append: false);
        await Db.Pushers.SetAsync(Make(Alice, "k2"), append: false);
        await Db.Pushers.SetAsync(Make(Bob, "bobs"), append: false);
        var m1 = await room.MessageAsync(Bob, "one");
        var m2 = await room.MessageAsync(Bob, "two");
        var m3 = await room.MessageAsync(Bob, "three");
        await Db.Notifications.AddAsync([
            new PushActionRecord(Alice, room.RoomId, "main", m1.EventId, Notify: true, Highlight: false) { Actions = """["notify"]""", Ts = 10 },
            new PushActionRecord(Alice, room.RoomId, "main", m2.EventId, Notify: true, Highlight: true)
                { Actions = """["notify",{"set_tweak":"highlight"}]""", Ts = 20 },
            // Highlight without notify: listed, never pushed.
            new PushActionRecord(Alice, room.RoomId, "main", m3.EventId, Notify: false, Highlight: true) { Actions = """[{"set_tweak":"highlight"}]""", Ts = 30 },
        ]);
        // Recording again queues nothing more.
        await Db.Notifications.AddAsync([new PushActionRecord(Alice, room.RoomId, "main", m1.EventId, true, false) { Ts = 10 }]);

        Assert.Equal(4, await Db.Pushers.CountQueuedAsync());
        var due = await Db.Pushers.GetDueAsync(10, 100);
        Assert.Equal(2, due.Count);
        Assert.All(due, e => Assert.Equal(m1.EventId, e.EventId));
        Assert.All(due, e => Assert.True(e.IsUnread));
        Assert.Equal(["k1", "k2"], due.Select(e => e.Pusher.Pushkey).Order());
        var later = await Db.Pushers.GetDueAsync(20, 100);
        Assert.Equal("""["notify",{"set_tweak":"highlight"}]""", later.First(e => e.EventId == m2.EventId).Actions);

        var history = await Db.Notifications.GetNotificationsAsync(Alice, null, 10, onlyHighlight: false);
        Assert.Equal([m3.EventId, m2.EventId, m1.EventId], history.Select(n => n.EventId));
        Assert.All(history, n => Assert.False(n.Read));
        Assert.Equal(20, history[1].Ts);
        Assert.Equal([m3.EventId, m2.EventId], (await Db.Notifications.GetNotificationsAsync(Alice, null, 10, onlyHighlight: true)).Select(n => n.EventId));
        Assert.Equal([m1.EventId], (await Db.Notifications.GetNotificationsAsync(Alice, m2.StreamPosition, 10, false)).Select(n => n.EventId));

        // A receipt marks history entries read and makes their queued pushes stale.
        await Db.Notifications.MarkReadAsync(Alice, room.RoomId, null, m1.StreamPosition);
        history = await Db.Notifications.GetNotificationsAsync(Alice, null, 10, false);
        Assert.True(history.Single(n => n.EventId == m1.EventId).Read);
        Assert.False(history.Single(n => n.EventId == m2.EventId).Read);
        Assert.All(await Db.Pushers.GetDueAsync(10, 100), e => Assert.False(e.IsUnread));

        Assert.Equal(3, await Db.Notifications.PruneNotificationsAsync(31));
        Assert.Empty(await Db.Notifications.GetNotificationsAsync(Alice, null, 10, false));
    }

    [Fact]
    public async Task Queue_postpones_completes_and_drops_entries_with_their_pusher()
    {
        var room = new RoomBuilder(Db, Ids.Room("q"));
        await room.CreateAsync(Bob, isPublic: true);
        await Db.Pushers.SetAsync(Make(Alice, "k1"), append: false);
        var m1 = await room.MessageAsync(Bob, "one");
        var m2 = await room.MessageAsync(Bob, "two");
        await Db.Notifications.AddAsync([
            new PushActionRecord(Alice, room.RoomId, "main", m1.EventId, true, false) { Ts = 100 },
            new PushActionRecord(Alice, room.RoomId, "main", m2.EventId, true, false) { Ts = 100 },
        ]);
        var due = await Db.Pushers.GetDueAsync(100, 10);
        Assert.Equal([m1.EventId, m2.EventId], due.Select(e => e.EventId));
        Assert.Equal(100, await Db.Pushers.GetNextDueTsAsync());

        await Db.Pushers.PostponeAsync(due[0].Id, 1, 500, "HTTP 502");
        await Db.Pushers.CompleteAsync(due[1].Id);
        Assert.Empty(await Db.Pushers.GetDueAsync(499, 10));
        Assert.Equal(500, await Db.Pushers.GetNextDueTsAsync());
        // The queue is durable: a restart finds the postponed push where it was.
        await Test.ReopenAsync();
        var retried = Assert.Single(await Db.Pushers.GetDueAsync(500, 10));
        Assert.Equal(1, retried.Attempts);
        Assert.Equal(100, retried.CreatedTs);

        Assert.True(await Db.Pushers.DeleteAsync(Alice, "org.example.app", "k1"));
        Assert.Equal(0, await Db.Pushers.CountQueuedAsync());
        Assert.Null(await Db.Pushers.GetNextDueTsAsync());
    }
}

public sealed class PusherStoreTests_Sqlite : PusherStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class PusherStoreTests_Postgres : PusherStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
