using System.Buffers;
using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Events;
using Myelin.Server.Rooms;
using Myelin.Server.Visibility;
using Myelin.Storage.Events;

namespace Myelin.Server.Timeline;

/// <summary>
/// Computes bundled aggregations (<c>unsigned.m.relations</c>) for a page of events, to pass to
/// <see cref="ClientEvents.SerializeAsync"/>: <c>m.replace</c> (the most recent valid edit), <c>m.thread</c>
/// (latest event, count, current_user_participated) and <c>m.reference</c> (chunk of event IDs). Annotations
/// are not aggregated. Children from ignored users are left out. One store query per page (plus one for the
/// edits of thread latest events). spec: client-server "Aggregations of child events".
/// </summary>
public sealed class RelationAggregator
{
    private static readonly string[] AggregatedTypes = [RelationTypes.Replace, RelationTypes.Thread, RelationTypes.Reference];

    private readonly RoomEvents _events;
    private readonly ClientEvents _clientEvents;
    private readonly HistoryVisibility _visibility;

    public RelationAggregator(RoomEvents events, ClientEvents clientEvents, HistoryVisibility visibility)
    {
        _events = events;
        _clientEvents = clientEvents;
        _visibility = visibility;
    }

    /// <summary>The <c>m.relations</c> object for each event in <paramref name="events"/> that has aggregatable children.</summary>
    public async Task<Dictionary<EventId, JsonElement>> AggregateAsync(IReadOnlyList<StoredEvent> events, UserId requester, CancellationToken cancellationToken)
    {
        var ignored = await _visibility.GetIgnoredUsersAsync(requester, cancellationToken);
        return await AggregateAsync(events, requester, ignored, includeThreads: true, cancellationToken);
    }

    private async Task<Dictionary<EventId, JsonElement>> AggregateAsync(IReadOnlyList<StoredEvent> events, UserId requester, IReadOnlySet<UserId> ignored,
        bool includeThreads, CancellationToken cancellationToken)
    {
        var result = new Dictionary<EventId, JsonElement>();
        // spec: "State events do not currently receive bundled aggregations."
        var parents = events.Where(e => e.StateKey is null).GroupBy(e => e.EventId).Select(g => g.First()).ToList();
        if (parents.Count == 0)
        {
            return result;
        }
        var children = await _events.Database.Events.GetRelatedEventsAsync(parents.Select(p => p.EventId).ToList(),
            includeThreads ? AggregatedTypes : [RelationTypes.Replace, RelationTypes.Reference], cancellationToken);
        var byParent = children.Where(c => !ignored.Contains(c.Sender)).ToLookup(c => c.RelatesTo!.Value);

        // Thread latest events are served with their own aggregations (edits, references), computed in one more batch.
        var latestByRoot = new Dictionary<EventId, StoredEvent>();
        foreach (var parent in parents)
        {
            var latest = byParent[parent.EventId].Where(c => c.RelationType == RelationTypes.Thread).MaxBy(c => c.TopologicalToken);
            if (latest is not null)
            {
                latestByRoot[parent.EventId] = latest;
            }
        }
        Dictionary<EventId, JsonElement>? latestRelations = null;
        IReadOnlyList<byte[]> latestJson = [];
        var latestList = latestByRoot.Values.ToList();
        if (latestList.Count > 0)
        {
            latestRelations = await AggregateAsync(latestList, requester, ignored, includeThreads: false, cancellationToken);
            latestJson = await _clientEvents.SerializeAsync(latestList, null, includeRoomId: true, latestRelations, cancellationToken);
        }
        var latestIndex = latestList.Select((e, i) => (e.EventId, i)).ToDictionary(x => x.EventId, x => x.i);

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var parent in parents)
        {
            var related = byParent[parent.EventId].ToList();
            if (related.Count == 0)
            {
                continue;
            }
            var replacement = await LatestValidReplacementAsync(parent, related, cancellationToken);
            var thread = related.Where(c => c.RelationType == RelationTypes.Thread).ToList();
            var references = related.Where(c => c.RelationType == RelationTypes.Reference).ToList();
            if (replacement is null && thread.Count == 0 && references.Count == 0)
            {
                continue;
            }
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (replacement is not null)
                {
                    var json = await _clientEvents.SerializeAsync([replacement], null, includeRoomId: true, null, cancellationToken);
                    writer.WritePropertyName(RelationTypes.Replace);
                    writer.WriteRawValue(json[0], skipInputValidation: true);
                }
                if (thread.Count > 0)
                {
                    var latest = latestByRoot[parent.EventId];
                    writer.WriteStartObject(RelationTypes.Thread);
                    writer.WritePropertyName("latest_event");
                    writer.WriteRawValue(latestJson[latestIndex[latest.EventId]], skipInputValidation: true);
                    writer.WriteNumber("count", thread.Count);
                    // spec: threading "current_user_participated": the user sent the root or an event in the thread.
                    writer.WriteBoolean("current_user_participated", parent.Sender == requester || thread.Exists(c => c.Sender == requester));
                    writer.WriteEndObject();
                }
                if (references.Count > 0)
                {
                    writer.WriteStartObject(RelationTypes.Reference);
                    writer.WriteStartArray("chunk");
                    foreach (var reference in references)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("event_id", reference.EventId.Value);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            result[parent.EventId] = JsonElement.Parse(buffer.WrittenSpan);
        }
        return result;
    }

    /// <summary>
    /// spec: event_replacements "Validity of replacement events" and "Server-side aggregation of m.replace relationships":
    /// same sender and type, neither a state event, the original not itself an edit, <c>m.new_content</c> present;
    /// the most recent by origin_server_ts, then the largest event ID; nothing for a redacted original.
    /// </summary>
    private async Task<StoredEvent?> LatestValidReplacementAsync(StoredEvent original, List<StoredEvent> related, CancellationToken cancellationToken)
    {
        if (original.RedactedBy is not null || original.StateKey is not null || original.RelationType == RelationTypes.Replace)
        {
            return null;
        }
        StoredEvent? best = null;
        foreach (var candidate in related)
        {
            if (candidate.RelationType != RelationTypes.Replace || candidate.Sender != original.Sender || candidate.Type != original.Type
                || candidate.StateKey is not null || candidate.RoomId != original.RoomId)
            {
                continue;
            }
            var pdu = await _events.ToPduAsync(candidate, cancellationToken);
            // Encrypted edits carry m.new_content inside the ciphertext; the server cannot see it there.
            bool hasNewContent = candidate.Type == "m.room.encrypted"
                || (pdu.Content.ValueKind == JsonValueKind.Object && pdu.Content.TryGetProperty("m.new_content", out var newContent) && newContent.ValueKind == JsonValueKind.Object);
            if (!hasNewContent)
            {
                continue;
            }
            if (best is null || candidate.OriginServerTs > best.OriginServerTs
                || (candidate.OriginServerTs == best.OriginServerTs && string.CompareOrdinal(candidate.EventId.Value, best.EventId.Value) > 0))
            {
                best = candidate;
            }
        }
        return best;
    }
}
