using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Push;
using Myelin.Server.Configuration;
using Myelin.Server.Rooms;
using Myelin.Storage;
using Myelin.Storage.Notifications;
using Myelin.Storage.Streams;

namespace Myelin.Server.Notifications;

/// <summary>
/// Keeps the unread notification and highlight counts /sync reports. After each local event is persisted, the
/// push rules of every joined local member except the sender are evaluated and the notifying actions recorded;
/// a read receipt clears them up to its event. spec: client-server "Receiving notifications", "Threading".
/// </summary>
public sealed partial class UnreadCounter
{
    /// <summary>The thread ID of the main timeline (spec: "Threaded read receipts").</summary>
    public const string MainThread = "main";

    private readonly MyelinDatabase _database;
    private readonly RoomEventWriter _writer;
    private readonly ServerName _serverName;
    private readonly ILogger<UnreadCounter> _logger;
    private readonly ConcurrentDictionary<UserId, PushRuleSet> _ruleSets = new();
    // The writer hands out one state object per state of a room (a state event makes a new one), so the members of
    // a state are counted once, not for every message: a 30,000-member room cost a full scan per event.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyDictionary<StateKey, Pdu>, RoomMembers> _members = new();
    private long _ruleSetsPosition = -1;

    public UnreadCounter(MyelinDatabase database, RoomEventWriter writer, MyelinConfig config, ILogger<UnreadCounter> logger)
    {
        _database = database;
        _writer = writer;
        _serverName = config.ServerName;
        _logger = logger;
        writer.EventPersisted += OnEventPersistedAsync;
    }

    /// <summary>The thread an event belongs to for counting: its <c>m.thread</c> root, else <see cref="MainThread"/>.</summary>
    public static string ThreadOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.Object && content.TryGetProperty("m.relates_to", out var relates) && relates.ValueKind == JsonValueKind.Object
            && relates.TryGetProperty("rel_type", out var relType) && relType.ValueKind == JsonValueKind.String && relType.ValueEquals("m.thread")
            && relates.TryGetProperty("event_id", out var root) && root.ValueKind == JsonValueKind.String)
        {
            return root.GetString()!;
        }
        return MainThread;
    }

    /// <summary>A receipt moved the user's read position: clear the counted actions up to that event.</summary>
    public Task MarkReadAsync(UserId user, RoomId room, string? threadId, StreamPosition upTo, CancellationToken cancellationToken) =>
        _database.Notifications.MarkReadAsync(user, room, threadId, upTo, cancellationToken);

    private async ValueTask OnEventPersistedAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        // Redactions and state changes without content for people (member events) are evaluated by the rules themselves.
        var state = await _writer.GetCurrentStateAsync(pdu.RoomId, cancellationToken);
        var members = _members.GetValue(state, Summarize);
        long joined = members.JoinedCount;
        var recipients = members.LocalJoined.Where(m => m.User != pdu.Sender).ToList();
        if (recipients.Count == 0)
        {
            return;
        }
        var version = pdu.RoomVersion;
        var powerLevels = PowerLevels.From(state.GetValueOrDefault(new StateKey(EventTypes.PowerLevels, "")), state.GetValueOrDefault(new StateKey(EventTypes.Create, "")), version);
        var notificationLevels = state.TryGetValue(new StateKey(EventTypes.PowerLevels, ""), out var pl)
            ? NotificationPowerLevels.FromPowerLevelsContent(pl.Content)
            : NotificationPowerLevels.Default;
        long senderLevel = powerLevels.GetUserLevel(pdu.Sender);
        var pushEvent = PushEvent.FromPdu(pdu);
        string thread = ThreadOf(pdu.Content);

        await RefreshRuleCacheAsync(cancellationToken);
        var actions = new List<PushActionRecord>();
        foreach (var (user, displayName) in recipients)
        {
            var rules = await GetRulesAsync(user, cancellationToken);
            var evaluation = rules.Evaluate(pushEvent, new PushContext(joined, displayName, senderLevel, notificationLevels));
            if (evaluation.Notify || evaluation.Highlight)
            {
                actions.Add(new PushActionRecord(user, pdu.RoomId, thread, pdu.EventId, evaluation.Notify, evaluation.Highlight)
                {
                    Actions = ActionsJson(evaluation.Actions),
                });
            }
        }
        // Also records the notification history and queues the pushes to the recipients' pushers (same transaction).
        await _database.Notifications.AddAsync(actions, cancellationToken);
        if (actions.Exists(a => a.Notify))
        {
            NotificationsRecorded?.Invoke();
        }
    }

    /// <summary>Raised after notifying push actions (and so possibly pushes) were recorded: wakes the push sender.</summary>
    public event Action? NotificationsRecorded;

    private static string ActionsJson(IReadOnlyList<PushAction> actions)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var action in actions)
            {
                action.WriteTo(writer);
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Cached rule sets are valid until the account-data stream moves (push rules live there).</summary>
    private async Task RefreshRuleCacheAsync(CancellationToken cancellationToken)
    {
        long position = (await _database.Streams.GetCurrentAsync(StreamName.AccountData, cancellationToken)).Value;
        if (Interlocked.Exchange(ref _ruleSetsPosition, position) != position)
        {
            _ruleSets.Clear();
        }
    }

    private async Task<PushRuleSet> GetRulesAsync(UserId user, CancellationToken cancellationToken)
    {
        if (_ruleSets.TryGetValue(user, out var cached))
        {
            return cached;
        }
        var stored = await _database.AccountData.GetAsync(user, null, "m.push_rules", cancellationToken);
        PushRuleSet rules;
        try
        {
            rules = stored is null ? PushRuleSet.CreateDefault(user) : PushRuleSet.FromAccountData(user, JsonElement.Parse(stored.Content));
        }
        catch (JsonException e)
        {
            LogBadPushRules(_logger, e, user.Value);
            rules = PushRuleSet.CreateDefault(user);
        }
        if (_ruleSets.Count > 10_000)
        {
            _ruleSets.Clear();
        }
        _ruleSets[user] = rules;
        return rules;
    }

    /// <summary>The joined members of a room state: how many, and our users among them with their display names.</summary>
    private sealed record RoomMembers(long JoinedCount, IReadOnlyList<(UserId User, string? DisplayName)> LocalJoined);

    private RoomMembers Summarize(IReadOnlyDictionary<StateKey, Pdu> state)
    {
        var local = new List<(UserId User, string? DisplayName)>();
        long joined = 0;
        foreach (var (key, member) in state)
        {
            if (key.Type != EventTypes.Member || !IsJoin(member.Content))
            {
                continue;
            }
            joined++;
            if (UserId.TryParse(key.Key, out var user) && user.Server == _serverName)
            {
                local.Add((user, DisplayNameOf(member.Content)));
            }
        }
        return new RoomMembers(joined, local);
    }

    private static bool IsJoin(JsonElement content) =>
        content.ValueKind == JsonValueKind.Object && content.TryGetProperty("membership", out var m) && m.ValueKind == JsonValueKind.String && m.ValueEquals(Membership.Join);

    private static string? DisplayNameOf(JsonElement content) =>
        content.ValueKind == JsonValueKind.Object && content.TryGetProperty("displayname", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unreadable m.push_rules account data of {UserId}; using the defaults")]
    private static partial void LogBadPushRules(ILogger logger, Exception exception, string userId);
}
