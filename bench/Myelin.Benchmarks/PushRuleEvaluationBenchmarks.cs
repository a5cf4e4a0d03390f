using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Push;

namespace Myelin.Benchmarks;

/// <summary>
/// Push-rule evaluation runs once per event per local recipient on the write path. Measures the
/// server-default ruleset (v1.19) against typical events; target: well under 5 µs per evaluation.
/// Run: dotnet run -c Release --project bench/Myelin.Benchmarks -- --filter '*PushRuleEvaluation*'
/// </summary>
[MemoryDiagnoser]
public class PushRuleEvaluationBenchmarks
{
    private const string GroupMessageJson = """
        {"type":"m.room.message","room_id":"!abcdefghijkl:example.org","sender":"@bob:example.org",
         "origin_server_ts":1700000000000,"depth":42,"prev_events":["$prev"],"auth_events":["$a","$b","$c"],
         "content":{"msgtype":"m.text","body":"Are we still on for lunch tomorrow? I can book a table for four at noon."},
         "hashes":{"sha256":"abc"},"signatures":{"example.org":{"ed25519:a":"sig"}}}
        """;

    private const string MentionJson = """
        {"type":"m.room.message","room_id":"!abcdefghijkl:example.org","sender":"@bob:example.org",
         "content":{"msgtype":"m.text","body":"Alice: see this","m.mentions":{"user_ids":["@alice:example.org"]}}}
        """;

    private readonly PushRuleSet _rules = PushRuleSet.CreateDefault(UserId.Parse("@alice:example.org"));
    private readonly PushContext _group = new(25, "Alice", 0, NotificationPowerLevels.Default);
    private readonly JsonElement _groupMessage = JsonElement.Parse(GroupMessageJson);
    private PushEvent _preparedGroupMessage = null!;
    private PushEvent _preparedMention = null!;

    [GlobalSetup]
    public void Setup()
    {
        _preparedGroupMessage = new PushEvent(_groupMessage);
        _preparedMention = new PushEvent(JsonElement.Parse(MentionJson));
        // Warm the per-event string cache, as the first recipient of an event would.
        _rules.Evaluate(_preparedGroupMessage, _group);
        _rules.Evaluate(_preparedMention, _group);
    }

    /// <summary>Per-recipient cost: a group message falling through every override to <c>.m.rule.message</c>.</summary>
    [Benchmark(Baseline = true)]
    public bool GroupMessage() => _rules.Evaluate(_preparedGroupMessage, _group).Notify;

    /// <summary>A mention stops at <c>.m.rule.is_user_mention</c>.</summary>
    [Benchmark]
    public bool Mention() => _rules.Evaluate(_preparedMention, _group).Highlight;

    /// <summary>Per-event cost for the first recipient: prepare the event, then evaluate.</summary>
    [Benchmark]
    public bool GroupMessageFirstRecipient() => _rules.Evaluate(new PushEvent(_groupMessage), _group).Notify;
}
