using Myelin.Protocol.Identifiers;
using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.State;

public abstract class MembershipStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");
    private static readonly UserId Bob = Ids.User("bob");

    [Fact]
    public async Task Membership_follows_invite_join_leave()
    {
        var room = new RoomBuilder(Db, Ids.Room("r"));
        await room.CreateAsync(Alice);
        var start = await Db.Events.GetMaxStreamPositionAsync();

        var invite = await room.SendAsync(Myelin.Protocol.Events.EventTypes.Member, Alice, new { membership = "invite" }, Bob.Value);
        Assert.Equal([room.RoomId], await Db.Memberships.GetRoomsForUserAsync(Bob, "invite"));
        Assert.Empty(await Db.Memberships.GetRoomsForUserAsync(Bob, "join"));

        var join = await room.MemberAsync(Bob, "join");
        Assert.Equal([room.RoomId], await Db.Memberships.GetRoomsForUserAsync(Bob, "join"));
        Assert.Equal([Alice, Bob], await Db.Memberships.GetMembersAsync(room.RoomId, "join"));
        Assert.Equal(2, await Db.Memberships.CountMembersAsync(room.RoomId, "join"));

        var leave = await room.MemberAsync(Bob, "leave");
        var record = await Db.Memberships.GetMembershipAsync(room.RoomId, Bob);
        Assert.Equal("leave", record!.Membership);
        Assert.Equal(leave.EventId, record.EventId);
        Assert.Equal(leave.StreamPosition, record.StreamPosition);
        Assert.Equal([Alice], await Db.Memberships.GetMembersAsync(room.RoomId, "join"));
        Assert.Null(await Db.Memberships.GetMembershipAsync(room.RoomId, Ids.User("stranger")));

        Assert.Null(await Db.Memberships.GetMembershipAtAsync(room.RoomId, Bob, start));
        Assert.Equal("invite", (await Db.Memberships.GetMembershipAtAsync(room.RoomId, Bob, invite.StreamPosition))!.Membership);
        Assert.Equal("join", (await Db.Memberships.GetMembershipAtAsync(room.RoomId, Bob, new(leave.StreamPosition.Value - 1)))!.Membership);
        Assert.Equal("leave", (await Db.Memberships.GetMembershipAtAsync(room.RoomId, Bob, leave.StreamPosition))!.Membership);

        var changes = await Db.Memberships.GetMembershipChangesAsync(Bob, start, leave.StreamPosition);
        Assert.Equal(["invite", "join", "leave"], changes.Select(c => c.Membership));
        Assert.Equal(["join", "leave"], (await Db.Memberships.GetMembershipChangesAsync(Bob, invite.StreamPosition, leave.StreamPosition)).Select(c => c.Membership));

        // By room: every member's changes in the range, oldest first, however many other events lie between them.
        for (int i = 0; i < 5; i++)
        {
            await room.SendAsync("m.room.message", Alice, new { body = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
        var rejoin = await room.MemberAsync(Bob, "join");
        var byRoom = await Db.Memberships.GetRoomMembershipChangesAsync([room.RoomId, Ids.Room("other")], invite.StreamPosition, rejoin.StreamPosition);
        Assert.Equal([(Bob, "join"), (Bob, "leave"), (Bob, "join")], byRoom.Select(c => (c.UserId, c.Membership)));
        Assert.Empty(await Db.Memberships.GetRoomMembershipChangesAsync([room.RoomId], rejoin.StreamPosition, rejoin.StreamPosition));
        Assert.Equal(join.EventId, changes[1].EventId);

        var all = await Db.Memberships.GetMembershipsForUserAsync(Alice);
        Assert.Equal("join", Assert.Single(all).Membership);
    }

    [Fact]
    public async Task Directory_search_by_a_user_sees_only_users_sharing_a_room_or_in_public_rooms()
    {
        foreach (var name in new[] { "alice", "bob", "carol", "dan" })
        {
            await Db.Users.CreateAsync(new NewUser(Ids.User(name), "h", 1) { DisplayName = "Test " + name });
        }
        var shared = new RoomBuilder(Db, Ids.Room("shared"));
        await shared.CreateAsync(Alice);
        await shared.MemberAsync(Bob, "join");
        var publicRoom = new RoomBuilder(Db, Ids.Room("public"));
        await publicRoom.CreateAsync(Ids.User("carol"), isPublic: true);

        var result = await Db.UserDirectory.SearchAsync("test", 10, searcher: Alice);
        Assert.Equal(["@alice:example.org", "@bob:example.org", "@carol:example.org"], result.Results.Select(p => p.UserId.Value));
        Assert.Equal(4, (await Db.UserDirectory.SearchAsync("test", 10)).Results.Count);
    }
}

public sealed class MembershipStoreTests_Sqlite : MembershipStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class MembershipStoreTests_Postgres : MembershipStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
