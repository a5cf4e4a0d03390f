using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Timeline;
using Myelin.Server.Tests.Support;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;

namespace Myelin.Server.Tests.Visibility;

public class HistoryVisibilityTests
{
    // Timeline: m1, bob invited, m2, bob joins, m3, bob leaves, m4. Which can bob (and carol, never a member) see?
    [Theory]
    [InlineData(TestEngine.Sqlite, "world_readable", "1111", "1111", "111")]
    [InlineData(TestEngine.Sqlite, "shared", "1110", "0000", "111")]
    [InlineData(TestEngine.Sqlite, "invited", "0110", "0000", "111")]
    [InlineData(TestEngine.Sqlite, "joined", "0010", "0000", "011")]
    [InlineData(TestEngine.Sqlite, "nonsense", "1110", "0000", "111")] // unknown values mean shared
    [InlineData(TestEngine.Postgres, "world_readable", "1111", "1111", "111")]
    [InlineData(TestEngine.Postgres, "shared", "1110", "0000", "111")]
    [InlineData(TestEngine.Postgres, "invited", "0110", "0000", "111")]
    [InlineData(TestEngine.Postgres, "joined", "0010", "0000", "011")]
    public async Task Each_visibility_across_invite_join_and_leave(TestEngine engine, string visibility, string bobSees, string carolSees, string bobSeesOwnMembership)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var bob = await kit.UserAsync("bob");
        var carol = await kit.UserAsync("carol");
        var room = await kit.RoomAsync(alice, visibility, joinRule: "invite");

        var m1 = await kit.MessageAsync(room, alice, "m1");
        var invite = await kit.InviteAsync(room, alice, bob);
        var m2 = await kit.MessageAsync(room, alice, "m2");
        var join = await kit.JoinAsync(room, bob);
        var m3 = await kit.MessageAsync(room, alice, "m3");
        var leave = await kit.LeaveAsync(room, bob);
        var m4 = await kit.MessageAsync(room, alice, "m4");

        var visibilityService = server.Services.GetRequiredService<HistoryVisibility>();
        var messages = await LoadAsync(kit, m1, m2, m3, m4);
        Assert.Equal(bobSees, Mask(messages, await visibilityService.FilterVisibleAsync(bob.UserId, room, messages, CancellationToken.None)));
        Assert.Equal(carolSees, Mask(messages, await visibilityService.FilterVisibleAsync(carol.UserId, room, messages, CancellationToken.None)));
        Assert.Equal("1111", Mask(messages, await visibilityService.FilterVisibleAsync(alice.UserId, room, messages, CancellationToken.None)));

        // spec: a user's own member events are visible if the membership before OR after allows.
        var own = await LoadAsync(kit, invite, join, leave);
        Assert.Equal(bobSeesOwnMembership, Mask(own, await visibilityService.FilterVisibleAsync(bob.UserId, room, own, CancellationToken.None)));

        Assert.Equal(bobSees[0] == '1', await visibilityService.CanSeeEventAsync(bob.UserId, messages[0], CancellationToken.None));
        Assert.Equal(RoomReadAccess.Member, await visibilityService.GetRoomAccessAsync(alice.UserId, room, CancellationToken.None));
        Assert.Equal(visibility == "world_readable" ? RoomReadAccess.WorldReadable : RoomReadAccess.FormerMember,
            await visibilityService.GetRoomAccessAsync(bob.UserId, room, CancellationToken.None));
        Assert.Equal(visibility == "world_readable" ? RoomReadAccess.WorldReadable : RoomReadAccess.None,
            await visibilityService.GetRoomAccessAsync(carol.UserId, room, CancellationToken.None));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task The_setting_at_each_event_applies_and_changes_of_it_are_visible_from_either_side(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var carol = await kit.UserAsync("carol");
        var room = await kit.RoomAsync(alice, "joined");

        var hidden = await kit.MessageAsync(room, alice, "before");
        var toWorld = await kit.StateAsync(room, alice, "m.room.history_visibility", "", new { history_visibility = "world_readable" });
        var open = await kit.MessageAsync(room, alice, "open");
        var toJoined = await kit.StateAsync(room, alice, "m.room.history_visibility", "", new { history_visibility = "joined" });
        var closed = await kit.MessageAsync(room, alice, "closed");

        var service = server.Services.GetRequiredService<HistoryVisibility>();
        var events = await LoadAsync(kit, hidden, toWorld, open, toJoined, closed);
        // Rule 1 uses the setting in force at the event; the two setting changes are visible from either side.
        Assert.Equal("01110", Mask(events, await service.FilterVisibleAsync(carol.UserId, room, events, CancellationToken.None)));
        Assert.Equal("joined", await service.GetCurrentVisibilityAsync(room, CancellationToken.None));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Ignored_users_messages_are_hidden_but_their_state_events_are_not(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var kit = new TimelineTestKit(server);
        var alice = await kit.UserAsync("alice");
        var mallory = await kit.UserAsync("mallory");
        var room = await kit.RoomAsync(alice);
        var join = await kit.JoinAsync(room, mallory);
        var spam = await kit.MessageAsync(room, mallory, "spam");
        var topic = await kit.StateAsync(room, mallory, "m.room.member", mallory.UserId.Value, new { membership = "join", displayname = "M" });
        var mine = await kit.MessageAsync(room, alice, "mine");
        await kit.IgnoreAsync(alice, mallory);

        var service = server.Services.GetRequiredService<HistoryVisibility>();
        var events = await LoadAsync(kit, join, spam, topic, mine);
        Assert.Equal("1011", Mask(events, await service.FilterVisibleAsync(alice.UserId, room, events, CancellationToken.None)));
        Assert.Equal("1111", Mask(events, await service.FilterVisibleAsync(alice.UserId, room, events, CancellationToken.None, filterIgnored: false)));
        Assert.Equal([mallory.UserId], await service.GetIgnoredUsersAsync(alice.UserId, CancellationToken.None));
        // Mallory does not ignore herself.
        Assert.Equal("1111", Mask(events, await service.FilterVisibleAsync(mallory.UserId, room, events, CancellationToken.None)));
    }

    [Theory]
    [InlineData(true, "world_readable", null, false)]
    [InlineData(true, "joined", "join", false)]
    [InlineData(false, "joined", "invite", true)]
    [InlineData(true, "invited", "invite", false)]
    [InlineData(false, "invited", "leave", true)]
    [InlineData(true, "shared", "leave", true)]
    [InlineData(false, "shared", null, false)]
    [InlineData(false, "shared", "invite", false)]
    public void Spec_rules_one_to_five(bool expected, string visibility, string? membership, bool joinedLater) =>
        Assert.Equal(expected, HistoryVisibility.IsAllowed(visibility, membership, joinedLater));

    private static async Task<IReadOnlyList<StoredEvent>> LoadAsync(TimelineTestKit kit, params EventId[] ids)
    {
        var found = await kit.Database.Events.GetEventsAsync(ids);
        return ids.Select(id => found[id]).ToList();
    }

    private static string Mask(IReadOnlyList<StoredEvent> all, IReadOnlyList<StoredEvent> visible) =>
        string.Concat(all.Select(e => visible.Any(v => v.EventId == e.EventId) ? '1' : '0'));
}
