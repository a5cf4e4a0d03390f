using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.RoomVersions;
using static Myelin.Protocol.Tests.Authorization.TestRoom;

namespace Myelin.Protocol.Tests.Authorization;

/// <summary>One vector: a room version, changes to the standard <see cref="TestRoom"/>, an event, and the expected
/// outcome (null rule = allowed, otherwise the clause number in that version's rule list).</summary>
public sealed record AuthCase(string Name, string Version, Func<TestRoom, Pdu> Event, string? Rule,
    Action<TestRoom>? Setup = null, string JoinRule = JoinRules.Public, string CreateContent = "",
    AuthRulesOptions? Options = null, bool PowerLevels = true)
{
    public override string ToString() => $"v{Version}: {Name}";
}

public class AuthRulesTests
{
    private static readonly AuthRulesOptions AcceptKey = new() { VerifyThirdPartyInviteSignature = (_, key) => key == "good" };

    private static JsonObject SignedBy(string server) => new() { ["signatures"] = new JsonObject { [server] = new JsonObject { ["ed25519:k"] = "sig" } } };

    private static string ThirdParty(string mxid = Dave, string token = "tok", bool withSigned = true) => withSigned
        ? $"\"third_party_invite\":{{\"display_name\":\"d\",\"signed\":{{\"mxid\":\"{mxid}\",\"token\":\"{token}\",\"signatures\":{{\"id.example\":{{\"ed25519:0\":\"x\"}}}}}}}}"
        : "\"third_party_invite\":{\"display_name\":\"d\"}";

    public static TheoryData<AuthCase> Cases()
    {
        var cases = new List<AuthCase>
        {
            // m.room.create
            new("create with prev_events", "10", r => TestPdu.Make(r.Version, "$c2", "!room:a.example", Alice, EventTypes.Create, "", $"{{\"creator\":\"{Alice}\"}}", ["$x"]), "1.1"),
            new("create on another server's room ID", "10", r => TestPdu.Make(r.Version, "$c2", "!room:b.example", Alice, EventTypes.Create, "", $"{{\"creator\":\"{Alice}\"}}"), "1.2"),
            new("create with unknown room_version", "10", r => TestPdu.Make(r.Version, "$c2", "!room:a.example", Alice, EventTypes.Create, "", $"{{\"creator\":\"{Alice}\",\"room_version\":\"999\"}}"), "1.3"),
            new("create without creator before v11", "10", r => TestPdu.Make(r.Version, "$c2", "!room:a.example", Alice, EventTypes.Create, "", "{}"), "1.4"),
            new("create without creator in v11", "11", r => TestPdu.Make(r.Version, "$c2", "!room:a.example", Alice, EventTypes.Create, "", "{}"), null),
            new("v1 create without creator", "1", r => TestPdu.Make(r.Version, "$c2:a.example", "!room:a.example", Alice, EventTypes.Create, "", "{}"), "1.4"),
            new("v12 create with room_id", "12", r => TestPdu.Make(r.Version, "$c2", "!c2", Alice, EventTypes.Create, "", "{}"), "1.2"),
            new("v12 create without room_id", "12", r => TestPdu.Make(r.Version, "$c2", "!c2", Alice, EventTypes.Create, "", "{\"room_version\":\"12\"}", includeRoomId: false), null),
            new("v12 additional_creators not user IDs", "12", r => TestPdu.Make(r.Version, "$c2", "!c2", Alice, EventTypes.Create, "", "{\"additional_creators\":[\"bob\"]}", includeRoomId: false), "1.4"),
            new("v12 additional_creators not an array", "12", r => TestPdu.Make(r.Version, "$c2", "!c2", Alice, EventTypes.Create, "", $"{{\"additional_creators\":\"{Bob}\"}}", includeRoomId: false), "1.4"),
            new("v12 valid additional_creators", "12", r => TestPdu.Make(r.Version, "$c2", "!c2", Alice, EventTypes.Create, "", $"{{\"additional_creators\":[\"{Bob}\"]}}", includeRoomId: false), null),

            // room ID (v12) and create presence
            new("v12 room_id not the create event", "12", r => r.Event(EventTypes.Message, null, Alice, roomId: "!other"), "2"),
            new("no create event in state", "10", r => r.Event(EventTypes.Message, null, Alice), "2.4", Setup: r => r.State.Remove(new(EventTypes.Create, ""))),

            // m.federate
            new("m.federate false, remote sender", "10", r => r.Event(EventTypes.Message, null, Bob), "3", CreateContent: "\"m.federate\":false"),
            new("m.federate false, remote sender v12", "12", r => r.Event(EventTypes.Message, null, Bob), "4", CreateContent: "\"m.federate\":false"),
            new("m.federate false, local sender", "10", r => r.Event(EventTypes.Message, null, Alice), null, CreateContent: "\"m.federate\":false"),

            // m.room.aliases (v1–v5)
            new("aliases by non-member for own domain", "5", r => r.Event(EventTypes.Aliases, "d.example", Dave, "{\"aliases\":[]}"), null),
            new("aliases for another domain", "5", r => r.Event(EventTypes.Aliases, "a.example", Dave, "{\"aliases\":[]}"), "4.2"),
            new("aliases without state_key", "1", r => r.Event(EventTypes.Aliases, null, Dave, "{\"aliases\":[]}"), "4.1"),
            new("aliases by non-member in v6 is an ordinary state event", "6", r => r.Event(EventTypes.Aliases, "d.example", Dave, "{\"aliases\":[]}"), "5"),

            // m.room.member basics
            new("member without membership", "10", r => r.Event(EventTypes.Member, Dave, Dave, "{}"), "4.1"),
            new("member without membership v1", "1", r => r.Event(EventTypes.Member, Dave, Dave, "{}"), "5.1"),
            new("member without membership v12", "12", r => r.Event(EventTypes.Member, Dave, Dave, "{}"), "5.1"),
            new("unknown membership", "10", r => r.MemberEvent(Dave, Dave, "dance"), "4.8"),
            new("knock is unknown before v7", "6", r => r.MemberEvent(Dave, Dave, Membership.Knock), "4.6", JoinRule: JoinRules.Knock),

            // join
            new("creator's first join after create", "10", r => r.Event(EventTypes.Member, Alice, Alice, "{\"membership\":\"join\"}", prev: [r.Create.EventId.Value]), null, Setup: r => { r.State.Clear(); r.State[new(EventTypes.Create, "")] = r.Create; }),
            new("creator's first join after create v12", "12", r => r.Event(EventTypes.Member, Alice, Alice, "{\"membership\":\"join\"}", prev: [r.Create.EventId.Value]), null, Setup: r => { r.State.Clear(); r.State[new(EventTypes.Create, "")] = r.Create; }),
            new("non-creator's join after create (no join rules: invite)", "10", r => r.Event(EventTypes.Member, Dave, Dave, "{\"membership\":\"join\"}", prev: [r.Create.EventId.Value]), "4.3.4", Setup: r => { r.State.Clear(); r.State[new(EventTypes.Create, "")] = r.Create; }),
            new("join for someone else", "10", r => r.MemberEvent(Dave, Carol, Membership.Join), "4.3.2"),
            new("join for someone else v1", "1", r => r.MemberEvent(Dave, Carol, Membership.Join), "5.2.2"),
            new("banned user joins", "10", r => r.MemberEvent(Dave, Dave, Membership.Join), "4.3.3", Setup: r => r.Member(Dave, Alice, Membership.Ban)),
            new("public join", "10", r => r.MemberEvent(Dave, Dave, Membership.Join), null),
            new("invite-only join without invite", "10", r => r.MemberEvent(Dave, Dave, Membership.Join), "4.3.4", JoinRule: JoinRules.Invite),
            new("invite-only join with invite", "10", r => r.MemberEvent(Dave, Dave, Membership.Join), null, Setup: r => r.Member(Dave, Alice, Membership.Invite), JoinRule: JoinRules.Invite),
            new("knock room join with invite v7", "7", r => r.MemberEvent(Dave, Dave, Membership.Join), null, Setup: r => r.Member(Dave, Alice, Membership.Invite), JoinRule: JoinRules.Knock),
            new("knock join rule before v7 is unknown", "6", r => r.MemberEvent(Dave, Dave, Membership.Join), "4.2.6", Setup: r => r.Member(Dave, Alice, Membership.Invite), JoinRule: JoinRules.Knock),
            new("no join_rules event means invite", "10", r => r.MemberEvent(Dave, Dave, Membership.Join), "4.3.4", Setup: r => r.State.Remove(new(EventTypes.JoinRules, ""))),
            new("private join rule", "10", r => r.MemberEvent(Dave, Dave, Membership.Join), "4.3.7", JoinRule: JoinRules.Private),
            new("restricted join via joined inviter", "8", r => r.MemberEvent(Dave, Dave, Membership.Join, $"\"join_authorised_via_users_server\":\"{Carol}\"", SignedBy("c.example")), null, JoinRule: JoinRules.Restricted),
            new("restricted join without authoriser", "9", r => r.MemberEvent(Dave, Dave, Membership.Join), "4.3.5.2", JoinRule: JoinRules.Restricted),
            new("restricted join via non-member", "10", r => r.MemberEvent(Dave, Dave, Membership.Join, $"\"join_authorised_via_users_server\":\"{Erin}\"", SignedBy("e.example")), "4.3.5.2", JoinRule: JoinRules.Restricted),
            new("restricted join via member who cannot invite", "10", r => r.MemberEvent(Dave, Dave, Membership.Join, $"\"join_authorised_via_users_server\":\"{Carol}\"", SignedBy("c.example")), "4.3.5.2", Setup: r => r.SetPowerLevels(Alice, $"{{\"invite\":50,\"users\":{{\"{Alice}\":100}}}}"), JoinRule: JoinRules.Restricted),
            new("restricted join with invite needs no authoriser", "10", r => r.MemberEvent(Dave, Dave, Membership.Join), null, Setup: r => r.Member(Dave, Alice, Membership.Invite), JoinRule: JoinRules.Restricted),
            new("restricted join rule before v8 is unknown", "7", r => r.MemberEvent(Dave, Dave, Membership.Join), "4.2.6", JoinRule: JoinRules.Restricted),
            new("join_authorised_via_users_server not signed by its server", "10", r => r.MemberEvent(Dave, Dave, Membership.Join, $"\"join_authorised_via_users_server\":\"{Carol}\"", SignedBy("d.example")), "4.2.1", JoinRule: JoinRules.Restricted),
            new("join_authorised_via_users_server not a user ID", "10", r => r.MemberEvent(Dave, Dave, Membership.Join, "\"join_authorised_via_users_server\":\"carol\""), "4.2.1", JoinRule: JoinRules.Restricted),
            new("knock_restricted join via inviter v10", "10", r => r.MemberEvent(Dave, Dave, Membership.Join, $"\"join_authorised_via_users_server\":\"{Carol}\"", SignedBy("c.example")), null, JoinRule: JoinRules.KnockRestricted),
            new("knock_restricted before v10 is unknown", "9", r => r.MemberEvent(Dave, Dave, Membership.Join, $"\"join_authorised_via_users_server\":\"{Carol}\"", SignedBy("c.example")), "4.3.7", JoinRule: JoinRules.KnockRestricted),

            // invite
            new("invite by non-member", "10", r => r.MemberEvent(Erin, Dave, Membership.Invite), "4.4.2"),
            new("invite of joined user", "10", r => r.MemberEvent(Carol, Bob, Membership.Invite), "4.4.3"),
            new("invite of banned user", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite), "4.4.3", Setup: r => r.Member(Dave, Alice, Membership.Ban)),
            new("invite below invite level", "10", r => r.MemberEvent(Dave, Carol, Membership.Invite), "4.4.5", Setup: r => r.SetPowerLevels(Alice, $"{{\"invite\":50,\"users\":{{\"{Alice}\":100}}}}")),
            new("invite by member", "10", r => r.MemberEvent(Dave, Carol, Membership.Invite), null),
            new("invite by member v1", "1", r => r.MemberEvent(Dave, Carol, Membership.Invite), null),
            new("invite below invite level v1", "1", r => r.MemberEvent(Dave, Carol, Membership.Invite), "5.3.5", Setup: r => r.SetPowerLevels(Alice, $"{{\"invite\":50,\"users\":{{\"{Alice}\":100}}}}")),

            // third-party invite membership
            new("3pid invite of banned user", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty()), "4.4.1.1", Setup: r => r.Member(Dave, Alice, Membership.Ban), Options: AcceptKey),
            new("3pid invite without signed", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty(withSigned: false)), "4.4.1.2", Options: AcceptKey),
            new("3pid invite signed without token", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, $"\"third_party_invite\":{{\"signed\":{{\"mxid\":\"{Dave}\"}}}}"), "4.4.1.3", Options: AcceptKey),
            new("3pid invite mxid mismatch", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty(mxid: Erin)), "4.4.1.4", Options: AcceptKey),
            new("3pid invite without matching token", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty(token: "other")), "4.4.1.5", Setup: r => r.Add(EventTypes.ThirdPartyInvite, "tok", Bob, "{\"public_key\":\"good\"}"), Options: AcceptKey),
            new("3pid invite by someone else", "10", r => r.MemberEvent(Dave, Carol, Membership.Invite, ThirdParty()), "4.4.1.6", Setup: r => r.Add(EventTypes.ThirdPartyInvite, "tok", Bob, "{\"public_key\":\"good\"}"), Options: AcceptKey),
            new("3pid invite with matching public_key", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty()), null, Setup: r => r.Add(EventTypes.ThirdPartyInvite, "tok", Bob, "{\"public_key\":\"good\"}"), Options: AcceptKey),
            new("3pid invite with matching key in public_keys", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty()), null, Setup: r => r.Add(EventTypes.ThirdPartyInvite, "tok", Bob, "{\"public_key\":\"bad\",\"public_keys\":[{\"public_key\":\"bad2\"},{\"public_key\":\"good\"}]}"), Options: AcceptKey),
            new("3pid invite with no matching key", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty()), "4.4.1.8", Setup: r => r.Add(EventTypes.ThirdPartyInvite, "tok", Bob, "{\"public_key\":\"bad\"}"), Options: AcceptKey),
            new("3pid invite without a verifier", "10", r => r.MemberEvent(Dave, Bob, Membership.Invite, ThirdParty()), "4.4.1.8", Setup: r => r.Add(EventTypes.ThirdPartyInvite, "tok", Bob, "{\"public_key\":\"good\"}")),

            // leave
            new("leave by member", "10", r => r.MemberEvent(Carol, Carol, Membership.Leave), null),
            new("leave when not in room", "10", r => r.MemberEvent(Dave, Dave, Membership.Leave), "4.5.1"),
            new("reject invite", "10", r => r.MemberEvent(Dave, Dave, Membership.Leave), null, Setup: r => r.Member(Dave, Bob, Membership.Invite)),
            new("rescind knock v7", "7", r => r.MemberEvent(Dave, Dave, Membership.Leave), null, Setup: r => r.Member(Dave, Dave, Membership.Knock), JoinRule: JoinRules.Knock),
            new("banned user leaves", "10", r => r.MemberEvent(Dave, Dave, Membership.Leave), "4.5.1", Setup: r => r.Member(Dave, Alice, Membership.Ban)),
            new("kick by non-member", "10", r => r.MemberEvent(Carol, Dave, Membership.Leave), "4.5.2"),
            new("unban below ban level", "10", r => r.MemberEvent(Dave, Bob, Membership.Leave), "4.5.3", Setup: r => { r.Member(Dave, Alice, Membership.Ban); r.SetPowerLevels(Alice, $"{{\"ban\":75,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"); }),
            new("unban by moderator", "10", r => r.MemberEvent(Dave, Bob, Membership.Leave), null, Setup: r => r.Member(Dave, Alice, Membership.Ban)),
            new("kick by moderator", "10", r => r.MemberEvent(Carol, Bob, Membership.Leave), null),
            new("kick of equal level", "10", r => r.MemberEvent(Bob, Carol, Membership.Leave), "4.5.5", Setup: r => r.SetPowerLevels(Alice, $"{{\"kick\":0,\"users\":{{\"{Alice}\":100,\"{Bob}\":0}}}}")),
            new("kick by member below kick level", "10", r => r.MemberEvent(Carol, Bob, Membership.Leave), "4.5.5", Setup: r => r.SetPowerLevels(Alice, $"{{\"kick\":75,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}")),

            // ban
            new("ban by non-member", "10", r => r.MemberEvent(Carol, Dave, Membership.Ban), "4.6.1"),
            new("ban by moderator", "10", r => r.MemberEvent(Carol, Bob, Membership.Ban), null),
            new("ban of admin by moderator", "10", r => r.MemberEvent(Alice, Bob, Membership.Ban), "4.6.3"),
            new("ban by member", "10", r => r.MemberEvent(Bob, Carol, Membership.Ban), "4.6.3"),
            new("ban by member v3", "3", r => r.MemberEvent(Bob, Carol, Membership.Ban), "5.5.3"),

            // knock
            new("knock on knock room", "7", r => r.MemberEvent(Dave, Dave, Membership.Knock), null, JoinRule: JoinRules.Knock),
            new("knock on public room", "7", r => r.MemberEvent(Dave, Dave, Membership.Knock), "4.6.1"),
            new("knock for someone else", "10", r => r.MemberEvent(Dave, Carol, Membership.Knock), "4.7.2", JoinRule: JoinRules.Knock),
            new("knock when invited", "10", r => r.MemberEvent(Dave, Dave, Membership.Knock), "4.7.4", Setup: r => r.Member(Dave, Bob, Membership.Invite), JoinRule: JoinRules.Knock),
            new("knock when banned", "12", r => r.MemberEvent(Dave, Dave, Membership.Knock), "5.7.4", Setup: r => r.Member(Dave, Alice, Membership.Ban), JoinRule: JoinRules.Knock),
            new("knock on knock_restricted v10", "10", r => r.MemberEvent(Dave, Dave, Membership.Knock), null, JoinRule: JoinRules.KnockRestricted),
            new("knock on knock_restricted v9", "9", r => r.MemberEvent(Dave, Dave, Membership.Knock), "4.7.1", JoinRule: JoinRules.KnockRestricted),

            // generic rules
            new("message from non-member", "10", r => r.Event(EventTypes.Message, null, Dave), "5"),
            new("message from non-member v1", "1", r => r.Event(EventTypes.Message, null, Dave), "6"),
            new("message from member", "10", r => r.Event(EventTypes.Message, null, Carol), null),
            new("third_party_invite below invite level", "10", r => r.Event(EventTypes.ThirdPartyInvite, "t", Carol, "{}"), "6.1", Setup: r => r.SetPowerLevels(Alice, $"{{\"invite\":50,\"users\":{{\"{Alice}\":100}}}}")),
            new("third_party_invite at invite level", "10", r => r.Event(EventTypes.ThirdPartyInvite, "t", Carol, "{}"), null),
            new("topic below state_default", "10", r => r.Event(EventTypes.Topic, "", Carol, "{\"topic\":\"x\"}"), "7"),
            new("topic below state_default v12", "12", r => r.Event(EventTypes.Topic, "", Carol, "{\"topic\":\"x\"}"), "8"),
            new("topic at state_default", "10", r => r.Event(EventTypes.Topic, "", Bob, "{\"topic\":\"x\"}"), null),
            new("message below events level", "10", r => r.Event(EventTypes.Message, null, Carol), "7", Setup: r => r.SetPowerLevels(Alice, $"{{\"events\":{{\"m.room.message\":10}},\"users\":{{\"{Alice}\":100}}}}")),
            new("message below events_default", "10", r => r.Event("m.custom", null, Carol), "7", Setup: r => r.SetPowerLevels(Alice, $"{{\"events_default\":1,\"users\":{{\"{Alice}\":100}}}}")),
            new("state without power levels: state_default is 50", "10", r => r.Event(EventTypes.Topic, "", Carol, "{}"), "7", PowerLevels: false),
            new("state without power levels: creator has 100", "10", r => r.Event(EventTypes.Topic, "", Alice, "{}"), null, PowerLevels: false),
            new("state_key of another user", "10", r => r.Event("m.custom", Carol, Bob, "{}"), "8"),
            new("state_key of own user", "10", r => r.Event("m.custom", Bob, Bob, "{}"), null),

            // power levels
            new("v10 string level", "10", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"ban\":\"50\",\"users\":{{\"{Alice}\":100}}}}"), "9.1"),
            new("v9 string level accepted", "9", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"ban\":\" +050 \",\"users\":{{\"{Alice}\":\"100\"}}}}"), null),
            new("v9 unreadable string level", "9", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"ban\":\"5x\",\"users\":{{\"{Alice}\":100}}}}"), "9"),
            new("v10 events with string value", "10", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"events\":{{\"m.room.name\":\"50\"}},\"users\":{{\"{Alice}\":100}}}}"), "9.2"),
            new("v10 notifications not an object", "10", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"notifications\":5,\"users\":{{\"{Alice}\":100}}}}"), "9.2"),
            new("v10 users key not a user ID", "10", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"alice\":100,\"{Alice}\":100}}}}"), "9.3"),
            new("v9 users key not a user ID", "9", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"alice\":100,\"{Alice}\":100}}}}"), "9.1"),
            new("v1 users value not an integer", "1", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":\"lots\"}}}}"), "10.1"),
            new("v1 float level truncated", "1", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100.9,\"{Bob}\":50.57}}}}"), null),
            new("v6 float level rejected", "6", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100.5}}}}"), "9.1"),
            new("v12 users contains the creator", "12", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100}}}}"), "10.4"),
            new("v12 users contains an additional creator", "12", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Erin}\":100}}}}"), "10.4", CreateContent: $"\"additional_creators\":[\"{Erin}\"]"),
            new("first power levels event", "10", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100,\"{Carol}\":100}}}}"), null, PowerLevels: false),
            new("moderator raises ban above own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"ban\":60,\"state_default\":50,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), "9.5.2", Setup: r => r.SetPowerLevels(Alice, $"{{\"state_default\":50,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}")),
            new("moderator lowers kick from above own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"kick\":0,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), "9.5.1", Setup: r => r.SetPowerLevels(Alice, $"{{\"kick\":75,\"state_default\":50,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}")),
            new("moderator removes kick above own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), "9.5.1", Setup: r => r.SetPowerLevels(Alice, $"{{\"kick\":75,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}")),
            new("moderator changes ban within own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"ban\":40,\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), null),
            new("moderator changes events entry above own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"events\":{{\"m.room.name\":0}},\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), "9.6.1", Setup: r => r.SetPowerLevels(Alice, $"{{\"events\":{{\"m.room.name\":100}},\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}")),
            new("moderator adds events entry above own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"events\":{{\"m.room.name\":51}},\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), "9.7.1"),
            new("moderator raises notifications above own level v10", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"notifications\":{{\"room\":100}},\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), "9.7.1"),
            new("moderator raises notifications above own level v5", "5", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"notifications\":{{\"room\":100}},\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), null),
            new("moderator demotes an equal", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}"), "9.8.1", Setup: r => r.SetPowerLevels(Alice, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50,\"{Carol}\":50}}}}")),
            new("moderator demotes themself", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":10}}}}"), null),
            new("moderator promotes above own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50,\"{Carol}\":51}}}}"), "9.9.1"),
            new("moderator promotes to own level", "10", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50,\"{Carol}\":50}}}}"), null),
            new("moderator promotes above own level v1", "1", r => r.Event(EventTypes.PowerLevels, "", Bob, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50,\"{Carol}\":51}}}}"), "10.7.1"),
            new("v12 creator sets any level", "12", r => r.Event(EventTypes.PowerLevels, "", Alice, $"{{\"ban\":1000000,\"users\":{{\"{Bob}\":999999}}}}"), null),
            new("v12 admin cannot kick creator", "12", r => r.MemberEvent(Alice, Bob, Membership.Leave), "5.5.5", Setup: r => r.SetPowerLevels(Alice, $"{{\"users\":{{\"{Bob}\":100}}}}")),
            new("v12 additional creator bans admin", "12", r => r.MemberEvent(Bob, Erin, Membership.Ban), null, Setup: r => { r.Member(Erin, Erin, Membership.Join); r.SetPowerLevels(Alice, $"{{\"users\":{{\"{Bob}\":100}}}}"); }, CreateContent: $"\"additional_creators\":[\"{Erin}\"]"),
            new("v12 creator cannot ban another creator", "12", r => r.MemberEvent(Erin, Alice, Membership.Ban), "5.6.3", Setup: r => r.Member(Erin, Erin, Membership.Join), CreateContent: $"\"additional_creators\":[\"{Erin}\"]"),

            // redaction
            new("v1 redaction of own server's event", "1", r => r.Event(EventTypes.Redaction, null, Carol, eventId: "$r:c.example", redacts: "$x:c.example"), null),
            new("v1 redaction of another server's event", "1", r => r.Event(EventTypes.Redaction, null, Carol, eventId: "$r:c.example", redacts: "$x:b.example"), "11.3"),
            new("v2 redaction at redact level", "2", r => r.Event(EventTypes.Redaction, null, Bob, eventId: "$r:b.example", redacts: "$x:c.example"), null),
            new("v3 redaction is not checked by the auth rules", "3", r => r.Event(EventTypes.Redaction, null, Carol, redacts: "$x"), null),
        };
        return new TheoryData<AuthCase>(cases);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule_clause_decides(AuthCase c)
    {
        var version = KnownRoomVersions.All[c.Version];
        var room = new TestRoom(version, c.CreateContent, c.PowerLevels, c.JoinRule);
        c.Setup?.Invoke(room);
        var pdu = c.Event(room);

        var result = room.Check(pdu, c.Options);

        Assert.True(c.Rule is null ? result.IsAllowed : result.IsRejected, result.Message);
        Assert.Equal(c.Rule, result.Rule);
        if (c.Rule is not null)
        {
            Assert.StartsWith($"rooms/v{c.Version} auth rule {c.Rule}: ", result.Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> AllVersions() => new(KnownRoomVersions.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Every_version_allows_a_members_message_and_rejects_a_strangers(string id)
    {
        var room = new TestRoom(KnownRoomVersions.All[id]);
        Assert.True(room.Check(room.Event(EventTypes.Message, null, Carol)).IsAllowed);
        var stranger = room.Check(room.Event(EventTypes.Message, null, Dave));
        Assert.True(stranger.IsRejected);
        Assert.Contains("sender is not joined", stranger.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Every_version_rejects_a_join_while_banned_with_its_own_clause_number(string id)
    {
        var version = KnownRoomVersions.All[id];
        var room = new TestRoom(version);
        room.Member(Dave, Alice, Membership.Ban);
        var result = room.Check(room.MemberEvent(Dave, Dave, Membership.Join));
        int member = version.SpecialCaseAliasesAuth || version.RoomIdIsCreateEventHash ? 5 : 4;
        int join = version.AllowRestrictedJoins ? 3 : 2;
        Assert.Equal($"rooms/v{id} auth rule {member}.{join}.3: sender is banned", result.Message);
    }
}
