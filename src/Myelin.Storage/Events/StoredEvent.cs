using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Events;

/// <summary>
/// An event as persisted: the exact JSON bytes (<see cref="Json"/>, never re-serialized) plus the
/// indexed columns. Redaction is applied when serving, from <see cref="RedactedBy"/>.
/// </summary>
public sealed record StoredEvent
{
    public required ReadOnlyMemory<byte> Json { get; init; }
    public required EventId EventId { get; init; }
    public required RoomId RoomId { get; init; }
    public required string Type { get; init; }
    public string? StateKey { get; init; }
    public required UserId Sender { get; init; }
    public long Depth { get; init; }
    public long OriginServerTs { get; init; }
    /// <summary>The global position assigned at insert (the events stream).</summary>
    public StreamPosition StreamPosition { get; init; }
    /// <summary>Stored without a place in the room DAG (e.g. auth chain or invite events fetched out of band).</summary>
    public bool IsOutlier { get; init; }
    public bool IsRejected { get; init; }
    public string? RejectionReason { get; init; }
    /// <summary>spec: server-server "Soft failure": kept, but never sent to clients or made a forward extremity.</summary>
    public bool IsSoftFailed { get; init; }
    public EventId? Redacts { get; init; }
    public EventId? RedactedBy { get; init; }
    /// <summary>From <c>content["m.relates_to"]</c>: the parent event and relation type.</summary>
    public EventId? RelatesTo { get; init; }
    public string? RelationType { get; init; }

    /// <summary>The position in the room's topological order (depth, then stream).</summary>
    public TopologicalToken TopologicalToken => new(Depth, StreamPosition.Value);
}
