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

public class AuthEventsCheckTests
{
    private static Pdu[] AuthFor(TestRoom room, Pdu pdu) =>
        AuthEventSelection.SelectKeys(room.Version, pdu.Type, pdu.StateKey, pdu.Sender, pdu.Content)
            .Where(room.State.ContainsKey).Select(k => room.State[k]).ToArray();

    [Fact]
    public void Selected_auth_events_pass()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        var pdu = room.Event(EventTypes.Message, null, Carol);
        Assert.True(AuthRules.CheckAuthEvents(pdu, AuthFor(room, pdu)).IsAllowed);
    }

    [Fact]
    public void Duplicate_entry_is_rule_2_1()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        var pdu = room.Event(EventTypes.Message, null, Carol);
        var oldPl = room.State[new(EventTypes.PowerLevels, "")];
        room.SetPowerLevels(Alice, "{}");
        var auth = AuthFor(room, pdu).Append(oldPl).ToArray();
        Assert.Equal("2.1", AuthRules.CheckAuthEvents(pdu, auth).Rule);
    }

    [Fact]
    public void Unselected_entry_is_rule_2_2_and_v12_create_is_rule_3_2()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        var pdu = room.Event(EventTypes.Message, null, Carol);
        var auth = AuthFor(room, pdu).Append(room.State[new(EventTypes.JoinRules, "")]).ToArray();
        Assert.Equal("2.2", AuthRules.CheckAuthEvents(pdu, auth).Rule);

        var v12 = new TestRoom(KnownRoomVersions.V12);
        var pdu12 = v12.Event(EventTypes.Message, null, Carol);
        var withCreate = AuthFor(v12, pdu12).Append(v12.Create).ToArray();
        Assert.StartsWith("rooms/v12 auth rule 3.2: ", AuthRules.CheckAuthEvents(pdu12, withCreate).Message, StringComparison.Ordinal);
        Assert.True(AuthRules.CheckAuthEvents(pdu12, AuthFor(v12, pdu12)).IsAllowed);
    }

    [Fact]
    public void Rejected_entry_is_rule_2_3_missing_create_2_4_other_room_2_5()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        var pdu = room.Event(EventTypes.Message, null, Carol);
        var auth = AuthFor(room, pdu);
        var pl = room.State[new(EventTypes.PowerLevels, "")].EventId;
        Assert.Equal("2.3", AuthRules.CheckAuthEvents(pdu, auth, id => id == pl).Rule);
        Assert.Equal("2.4", AuthRules.CheckAuthEvents(pdu, auth.Where(a => a.Type != EventTypes.Create).ToArray()).Rule);

        var foreign = TestPdu.Make(room.Version, "$pl2", "!elsewhere:a.example", Alice, EventTypes.PowerLevels, "", "{}");
        Assert.Equal("2.5", AuthRules.CheckAuthEvents(pdu, auth.Where(a => a.Type != EventTypes.PowerLevels).Append(foreign).ToArray()).Rule);
    }
}
