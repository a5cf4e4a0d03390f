using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Protocol.StateResolution;

namespace Myelin.Benchmarks;

/// <summary>
/// Two forks of a room with 10,000 joined members, 100 conflicting state events on each side (200 in all):
/// on each fork one power-levels change, 9 kicks, and 90 ordinary state events (topic, name and custom state).
/// Target: ≤ 50 ms per resolution (docs/benchmarks.md "State resolution").
/// </summary>
[MemoryDiagnoser]
public class StateResolutionBenchmarks
{
    private const int Members = 10_000;
    private const int ConflictsPerFork = 100;

    private readonly Dictionary<EventId, Pdu> _events = [];
    private Dictionary<StateKey, EventId>[] _forks = [];
    private long _ts;

    [Params("10", "12")]
    public string RoomVersion { get; set; } = "10";

    private RoomVersion Version => KnownRoomVersions.All[RoomVersion];

    [GlobalSetup]
    public void Setup()
    {
        _events.Clear();
        var v = Version;
        string roomId = v.RoomIdIsCreateEventHash ? "!create" : "!bench:a.example";
        const string admin = "@admin:a.example";
        var state = new Dictionary<StateKey, EventId>();
        state = Add(v, roomId, state, "create", EventTypes.Create, "", admin, v.CreatorIsSender ? "{}" : $"{{\"creator\":\"{admin}\"}}");
        state = Add(v, roomId, state, "admin-join", EventTypes.Member, admin, admin, "{\"membership\":\"join\"}");
        state = Add(v, roomId, state, "pl0", EventTypes.PowerLevels, "", admin, v.PrivilegedCreators ? "{}" : $"{{\"users\":{{\"{admin}\":100}}}}");
        state = Add(v, roomId, state, "jr", EventTypes.JoinRules, "", admin, "{\"join_rule\":\"public\"}");
        for (int i = 0; i < Members; i++)
        {
            string user = $"@u{i}:s{i % 50}.example";
            state = Add(v, roomId, state, $"join{i}", EventTypes.Member, user, user, "{\"membership\":\"join\"}");
        }
        _forks = new Dictionary<StateKey, EventId>[2];
        for (int f = 0; f < 2; f++)
        {
            var fork = new Dictionary<StateKey, EventId>(state);
            fork = Add(v, roomId, fork, $"f{f}-pl", EventTypes.PowerLevels, "", admin,
                v.PrivilegedCreators ? $"{{\"users\":{{\"@u{f}:s{f}.example\":50}}}}" : $"{{\"users\":{{\"{admin}\":100,\"@u{f}:s{f}.example\":50}}}}");
            for (int k = 0; k < 9; k++)
            {
                string target = $"@u{100 + f * 9 + k}:s{(100 + f * 9 + k) % 50}.example";
                fork = Add(v, roomId, fork, $"f{f}-kick{k}", EventTypes.Member, target, admin, "{\"membership\":\"leave\"}");
            }
            for (int s = 0; s < ConflictsPerFork - 10; s++)
            {
                (string type, string key) = s switch
                {
                    0 => (EventTypes.Topic, ""),
                    1 => (EventTypes.Name, ""),
                    _ => ("org.example.bench", $"k{s}"),
                };
                fork = Add(v, roomId, fork, $"f{f}-s{s}", type, key, admin, $"{{\"v\":\"{f}-{s}\"}}");
            }
            _forks[f] = fork;
        }
    }

    [Benchmark]
    public int ResolveTwoForks() => StateResolver.Resolve(Version, _forks, id => _events.GetValueOrDefault(id)).Count;

    private Dictionary<StateKey, EventId> Add(RoomVersion v, string roomId, Dictionary<StateKey, EventId> state, string name,
        string type, string stateKey, string sender, string content)
    {
        using var doc = JsonDocument.Parse(content);
        bool isCreate = type == EventTypes.Create;
        var auth = isCreate ? [] : AuthEventSelection.Select(v, type, stateKey, UserId.Parse(sender), doc.RootElement, state);
        string json = $"{{\"type\":\"{type}\",\"sender\":\"{sender}\",\"state_key\":\"{stateKey}\",\"content\":{content}}}";
        var pdu = new Pdu
        {
            Json = Encoding.UTF8.GetBytes(json),
            RoomVersion = v,
            EventId = EventId.Parse("$" + name),
            RoomId = RoomId.Parse(roomId),
            Sender = UserId.Parse(sender),
            Type = type,
            StateKey = stateKey,
            Content = doc.RootElement.Clone(),
            OriginServerTs = ++_ts,
            PrevEvents = isCreate ? [] : [EventId.Parse("$prev")],
            AuthEvents = auth,
        };
        _events[pdu.EventId] = pdu;
        // Mutates and returns the state: copying 10,000 entries per event would make the setup quadratic.
        state[pdu.StateTuple!.Value] = pdu.EventId;
        return state;
    }
}
