using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Tests.Authorization;

/// <summary>
/// A room's state for auth-rule tests: created by Alice (level 100), Bob a moderator (50), Carol a member (0),
/// Dave never joined; public join rule unless changed. Events are added to the state as they are built.
/// </summary>
public sealed class TestRoom
{
    public const string Alice = "@alice:a.example";
    public const string Bob = "@bob:b.example";
    public const string Carol = "@carol:c.example";
    public const string Dave = "@dave:d.example";
    public const string Erin = "@erin:e.example";

    private int _counter;

    public TestRoom(RoomVersion version, string createContent = "", bool powerLevels = true, string joinRule = JoinRules.Public)
    {
        Version = version;
        RoomId = version.RoomIdIsCreateEventHash ? "!create" : "!room:a.example";
        string content = version.CreatorIsSender ? $"{{{createContent}}}" : $"{{\"creator\":\"{Alice}\"{(createContent.Length > 0 ? "," : "")}{createContent}}}";
        Create = TestPdu.Make(version, EventIdFor("create"), RoomId, Alice, EventTypes.Create, "", content,
            includeRoomId: !version.RoomIdIsCreateEventHash);
        State[Create.StateTuple!.Value] = Create;
        Member(Alice, Alice, Membership.Join);
        if (powerLevels)
        {
            SetPowerLevels(Alice, version.PrivilegedCreators
                ? $"{{\"users\":{{\"{Bob}\":50}}}}"
                : $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}");
        }
        Add(EventTypes.JoinRules, "", Alice, $"{{\"join_rule\":\"{joinRule}\"}}");
        Member(Bob, Bob, Membership.Join);
        Member(Carol, Carol, Membership.Join);
    }

    public RoomVersion Version { get; }
    public string RoomId { get; }
    public Pdu Create { get; }
    public Dictionary<StateKey, Pdu> State { get; } = [];

    public string EventIdFor(string name) => Version.EventIdInPdu ? $"${name}:a.example" : $"${name}";

    /// <summary>A new event (not added to the state).</summary>
    public Pdu Event(string type, string? stateKey, string sender, string content = "{}", IEnumerable<string>? prev = null,
        string? eventId = null, string? redacts = null, JsonObject? extra = null, string? roomId = null) =>
        TestPdu.Make(Version, eventId ?? EventIdFor($"e{++_counter}"), roomId ?? RoomId, sender, type, stateKey, content,
            prev ?? [EventIdFor("prev")], redacts: redacts, extra: extra);

    public Pdu Add(string type, string stateKey, string sender, string content)
    {
        var pdu = Event(type, stateKey, sender, content);
        State[pdu.StateTuple!.Value] = pdu;
        return pdu;
    }

    public Pdu Member(string user, string sender, string membership, string extraContent = "") =>
        Add(EventTypes.Member, user, sender, $"{{\"membership\":\"{membership}\"{(extraContent.Length > 0 ? "," : "")}{extraContent}}}");

    public Pdu SetPowerLevels(string sender, string content) => Add(EventTypes.PowerLevels, "", sender, content);

    public Pdu MemberEvent(string target, string sender, string membership, string extraContent = "", JsonObject? extra = null) =>
        Event(EventTypes.Member, target, sender, $"{{\"membership\":\"{membership}\"{(extraContent.Length > 0 ? "," : "")}{extraContent}}}", extra: extra);

    public AuthResult Check(Pdu pdu, AuthRulesOptions? options = null) => AuthRules.Check(pdu, State, options);
}
