using Myelin.Storage.Rooms;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Rooms;

public abstract class RoomReportAndForgetStoreTests : StorageTestBase
{
    [Fact]
    public async Task Reports_are_stored_newest_first()
    {
        var alice = Ids.User("alice");
        var room = Ids.Room("r");
        long first = await Db.RoomReports.AddAsync(alice, room, null, "spam room", null, 10);
        long second = await Db.RoomReports.AddAsync(Ids.User("bob"), room, Ids.Event("e1"), null, -100, 20);
        Assert.True(second > first);
        Assert.Equal(
            [new RoomReport(second, Ids.User("bob"), room, Ids.Event("e1"), null, -100, 20), new RoomReport(first, alice, room, null, "spam room", null, 10)],
            await Db.RoomReports.ListAsync(10));
        Assert.Single(await Db.RoomReports.ListAsync(1));
    }

    [Fact]
    public async Task A_forgotten_room_comes_back_when_the_membership_changes()
    {
        var alice = Ids.User("alice");
        var bob = Ids.User("bob");
        var room = new RoomBuilder(Db, Ids.Room("forget"));
        await room.CreateAsync(alice);
        await room.MemberAsync(bob, "join");
        await room.MemberAsync(bob, "leave");
        var leave = (await Db.Memberships.GetMembershipAsync(room.RoomId, bob))!;

        Assert.False(await Db.ForgottenRooms.IsForgottenAsync(bob, room.RoomId));
        await Db.ForgottenRooms.ForgetAsync(bob, room.RoomId, leave.EventId);
        await Db.ForgottenRooms.ForgetAsync(bob, room.RoomId, leave.EventId);
        Assert.True(await Db.ForgottenRooms.IsForgottenAsync(bob, room.RoomId));
        Assert.Equal([room.RoomId], await Db.ForgottenRooms.GetForgottenRoomsAsync(bob));
        Assert.Empty(await Db.ForgottenRooms.GetForgottenRoomsAsync(alice));

        await room.MemberAsync(bob, "join");
        Assert.False(await Db.ForgottenRooms.IsForgottenAsync(bob, room.RoomId));
        Assert.Empty(await Db.ForgottenRooms.GetForgottenRoomsAsync(bob));
    }
}

public sealed class RoomReportAndForgetStoreTests_Sqlite : RoomReportAndForgetStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class RoomReportAndForgetStoreTests_Postgres : RoomReportAndForgetStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
