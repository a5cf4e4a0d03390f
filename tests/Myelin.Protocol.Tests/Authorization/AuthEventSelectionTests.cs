using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using static Myelin.Protocol.Tests.Authorization.TestRoom;

namespace Myelin.Protocol.Tests.Authorization;

public class AuthEventSelectionTests
{
    private static JsonElement Content(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Message_selects_create_power_levels_and_sender_membership()
    {
        var keys = AuthEventSelection.SelectKeys(KnownRoomVersions.V10, EventTypes.Message, null, UserId.Parse(Carol), Content("{}"));
        Assert.Equal([new(EventTypes.Create, ""), new(EventTypes.PowerLevels, ""), new(EventTypes.Member, Carol)], keys);
    }

    [Fact]
    public void Version_12_never_selects_the_create_event()
    {
        var keys = AuthEventSelection.SelectKeys(KnownRoomVersions.V12, EventTypes.Message, null, UserId.Parse(Carol), Content("{}"));
        Assert.DoesNotContain(new StateKey(EventTypes.Create, ""), keys);
    }

    [Fact]
    public void Create_event_has_no_auth_events()
    {
        Assert.Empty(AuthEventSelection.SelectKeys(KnownRoomVersions.V10, EventTypes.Create, "", UserId.Parse(Alice), Content("{}")));
    }

    [Fact]
    public void Restricted_join_selects_target_join_rules_and_authoriser()
    {
        var keys = AuthEventSelection.SelectKeys(KnownRoomVersions.V10, EventTypes.Member, Dave, UserId.Parse(Dave),
            Content($"{{\"membership\":\"join\",\"join_authorised_via_users_server\":\"{Carol}\"}}"));
        Assert.Equal([new(EventTypes.Create, ""), new(EventTypes.PowerLevels, ""), new(EventTypes.Member, Dave),
            new(EventTypes.JoinRules, ""), new(EventTypes.Member, Carol)], keys);
    }

    [Fact]
    public void Authoriser_is_not_selected_before_restricted_rooms()
    {
        var keys = AuthEventSelection.SelectKeys(KnownRoomVersions.V7, EventTypes.Member, Dave, UserId.Parse(Dave),
            Content($"{{\"membership\":\"join\",\"join_authorised_via_users_server\":\"{Carol}\"}}"));
        Assert.DoesNotContain(new StateKey(EventTypes.Member, Carol), keys);
    }

    [Fact]
    public void Third_party_invite_selects_the_token_event_and_kick_selects_no_join_rules()
    {
        var invite = AuthEventSelection.SelectKeys(KnownRoomVersions.V10, EventTypes.Member, Dave, UserId.Parse(Bob),
            Content("{\"membership\":\"invite\",\"third_party_invite\":{\"signed\":{\"token\":\"abc\"}}}"));
        Assert.Contains(new StateKey(EventTypes.ThirdPartyInvite, "abc"), invite);
        Assert.Contains(new StateKey(EventTypes.JoinRules, ""), invite);
        Assert.Contains(new StateKey(EventTypes.Member, Bob), invite);
        Assert.Contains(new StateKey(EventTypes.Member, Dave), invite);

        var kick = AuthEventSelection.SelectKeys(KnownRoomVersions.V10, EventTypes.Member, Dave, UserId.Parse(Bob), Content("{\"membership\":\"leave\"}"));
        Assert.DoesNotContain(new StateKey(EventTypes.JoinRules, ""), kick);
    }

    [Fact]
    public void Select_returns_the_current_event_ids_that_exist()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        var state = room.State.ToDictionary(kv => kv.Key, kv => kv.Value.EventId);
        var ids = AuthEventSelection.Select(KnownRoomVersions.V10, EventTypes.Member, Dave, UserId.Parse(Dave), Content("{\"membership\":\"join\"}"), state);
        Assert.Equal([room.Create.EventId, room.State[new(EventTypes.PowerLevels, "")].EventId, room.State[new(EventTypes.JoinRules, "")].EventId], ids);
    }
}
