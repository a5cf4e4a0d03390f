using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Protocol.Tests.Authorization;

namespace Myelin.Protocol.Tests.StateResolution;

/// <summary>
/// A room's event DAG for state-resolution tests. Each event's auth events are chosen from the state it is sent
/// in (spec: server-server "Auth events selection"); timestamps increase in the order events are added.
/// The base room: Alice creates and joins, sets power levels (Alice 100), public join rule; Bob, Carol and Zara join.
/// </summary>
internal sealed class TestDag
{
    public const string Alice = "@alice:a.example";
    public const string Bob = "@bob:b.example";
    public const string Carol = "@carol:c.example";
    public const string Zara = "@zara:z.example";
    public const string Evelyn = "@evelyn:e.example";

    private long _ts;

    public TestDag(RoomVersion version)
    {
        Version = version;
        RoomId = version.RoomIdIsCreateEventHash ? "!CREATE" : "!room:a.example";
        var state = new Dictionary<StateKey, EventId>();
        string createContent = version.CreatorIsSender ? "{}" : $"{{\"creator\":\"{Alice}\"}}";
        state = Add(state, "CREATE", EventTypes.Create, "", Alice, createContent);
        state = Add(state, "IMA", EventTypes.Member, Alice, Alice, "{\"membership\":\"join\"}", prev: "CREATE");
        state = Add(state, "IPOWER", EventTypes.PowerLevels, "", Alice, version.PrivilegedCreators ? "{}" : $"{{\"users\":{{\"{Alice}\":100}}}}");
        state = Add(state, "IJR", EventTypes.JoinRules, "", Alice, "{\"join_rule\":\"public\"}");
        state = Add(state, "IMB", EventTypes.Member, Bob, Bob, "{\"membership\":\"join\"}");
        state = Add(state, "IMC", EventTypes.Member, Carol, Carol, "{\"membership\":\"join\"}");
        state = Add(state, "IMZ", EventTypes.Member, Zara, Zara, "{\"membership\":\"join\"}");
        Base = state;
    }

    public RoomVersion Version { get; }
    public string RoomId { get; }
    public Dictionary<EventId, Pdu> Events { get; } = [];
    public Dictionary<StateKey, EventId> Base { get; }

    public static EventId Id(string name) => EventId.Parse("$" + name);

    public Pdu this[string name] => Events[Id(name)];

    public Pdu? Fetch(EventId id) => Events.GetValueOrDefault(id);

    /// <summary>Sends an event in <paramref name="state"/> and returns the state after it.</summary>
    public Dictionary<StateKey, EventId> Add(Dictionary<StateKey, EventId> state, string name, string type, string? stateKey,
        string sender, string content, string? prev = null, long? ts = null)
    {
        bool isCreate = type == EventTypes.Create;
        using var doc = JsonDocument.Parse(content);
        var auth = isCreate ? [] : AuthEventSelection.Select(Version, type, stateKey, UserId.Parse(sender), doc.RootElement, state);
        var pdu = TestPdu.Make(Version, "$" + name, RoomId, sender, type, stateKey, content,
            prevEvents: isCreate ? [] : ["$" + (prev ?? "PREV")], authEvents: auth.Select(a => a.Value),
            originServerTs: ts ?? ++_ts, includeRoomId: !(isCreate && Version.RoomIdIsCreateEventHash));
        Events[pdu.EventId] = pdu;
        var after = new Dictionary<StateKey, EventId>(state);
        if (pdu.StateTuple is { } key)
        {
            after[key] = pdu.EventId;
        }
        return after;
    }

    public Dictionary<StateKey, EventId> Member(Dictionary<StateKey, EventId> state, string name, string target, string sender, string membership) =>
        Add(state, name, EventTypes.Member, target, sender, $"{{\"membership\":\"{membership}\"}}");

    public IReadOnlyDictionary<StateKey, EventId> Resolve(params Dictionary<StateKey, EventId>[] sets) =>
        Myelin.Protocol.StateResolution.StateResolver.Resolve(Version, sets, Fetch);

    internal Myelin.Protocol.StateResolution.EventSource Source() => new(Fetch, null);
}
