using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using static Myelin.Protocol.Tests.Authorization.TestRoom;

namespace Myelin.Protocol.Tests.Authorization;

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
