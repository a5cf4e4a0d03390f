using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Rooms;

public abstract class RoomStoreTests : StorageTestBase
{
    [Fact]
    public async Task Create_get_and_visibility()
    {
        var room = Ids.Room("r1");
        Assert.True(await Db.Rooms.CreateAsync(room, "11", Ids.User("alice"), 55));
        Assert.False(await Db.Rooms.CreateAsync(room, "10", Ids.User("bob"), 66));

        var record = await Db.Rooms.GetAsync(room);
        Assert.Equal(new Myelin.Storage.Rooms.RoomRecord(room, "11", Ids.User("alice"), 55, false), record);

        Assert.True(await Db.Rooms.SetPublicAsync(room, true));
        Assert.True((await Db.Rooms.GetAsync(room))!.IsPublic);
        Assert.False(await Db.Rooms.SetPublicAsync(Ids.Room("unknown"), true));
        Assert.Null(await Db.Rooms.GetAsync(Ids.Room("unknown")));
    }

    [Fact]
    public async Task Public_rooms_are_ordered_by_joined_members_and_paginated()
    {
        var alice = Ids.User("alice");
        var big = new RoomBuilder(Db, Ids.Room("big"));
        await big.CreateAsync(alice, isPublic: true);
        await big.MemberAsync(Ids.User("bob"), "join");
        await big.MemberAsync(Ids.User("carol"), "join");
        var medium = new RoomBuilder(Db, Ids.Room("medium"));
        await medium.CreateAsync(alice, isPublic: true);
        await medium.MemberAsync(Ids.User("bob"), "join");
        var small = new RoomBuilder(Db, Ids.Room("small"));
        await small.CreateAsync(alice, isPublic: true);
        await new RoomBuilder(Db, Ids.Room("private")).CreateAsync(alice);

        var first = await Db.Rooms.GetPublicRoomsAsync(limit: 2);
        Assert.Equal(["!big:example.org", "!medium:example.org"], first.Rooms.Select(r => r.RoomId.Value));
        Assert.Equal([3L, 2L], first.Rooms.Select(r => r.JoinedMembers));
        Assert.Equal(3, first.TotalRoomCountEstimate);
        Assert.Equal(2, first.NextOffset);
        Assert.Null(first.PrevOffset);

        var second = await Db.Rooms.GetPublicRoomsAsync(limit: 2, offset: first.NextOffset!.Value);
        Assert.Equal(["!small:example.org"], second.Rooms.Select(r => r.RoomId.Value));
        Assert.Null(second.NextOffset);
        Assert.Equal(0, second.PrevOffset);
    }

    [Fact]
    public async Task Aliases_are_unique_resolvable_listable_and_deletable()
    {
        var room = Ids.Room("r1");
        var alice = Ids.User("alice");
        Assert.True(await Db.RoomAliases.CreateAsync(Ids.Alias("b"), room, alice, 10));
        Assert.True(await Db.RoomAliases.CreateAsync(Ids.Alias("a"), room, alice, 11));
        Assert.False(await Db.RoomAliases.CreateAsync(Ids.Alias("a"), Ids.Room("other"), Ids.User("bob"), 12));

        var resolved = await Db.RoomAliases.ResolveAsync(Ids.Alias("a"));
        Assert.Equal(new Myelin.Storage.Rooms.RoomAliasRecord(Ids.Alias("a"), room, alice, 11), resolved);
        Assert.Equal([Ids.Alias("a"), Ids.Alias("b")], await Db.RoomAliases.GetForRoomAsync(room));

        Assert.True(await Db.RoomAliases.DeleteAsync(Ids.Alias("a")));
        Assert.False(await Db.RoomAliases.DeleteAsync(Ids.Alias("a")));
        Assert.Null(await Db.RoomAliases.ResolveAsync(Ids.Alias("a")));
        Assert.Equal([Ids.Alias("b")], await Db.RoomAliases.GetForRoomAsync(room));
    }
}

public sealed class RoomStoreTests_Sqlite : RoomStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class RoomStoreTests_Postgres : RoomStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
