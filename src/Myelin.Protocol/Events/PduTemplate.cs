using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Events;

/// <summary>What the server decides about a new local event; <see cref="PduBuilder"/> turns it into a signed PDU.</summary>
public sealed record PduTemplate
{
    public required RoomVersion RoomVersion { get; init; }
    /// <summary>Null only for a room version 12 <c>m.room.create</c> event, whose room ID is derived from it.</summary>
    public RoomId? RoomId { get; init; }
    public required UserId Sender { get; init; }
    public required string Type { get; init; }
    public string? StateKey { get; init; }
    public required JsonElement Content { get; init; }
    public IReadOnlyList<EventId> PrevEvents { get; init; } = [];
    public IReadOnlyList<EventId> AuthEvents { get; init; } = [];
    public required long Depth { get; init; }
    public required long OriginServerTs { get; init; }
    /// <summary>For <c>m.room.redaction</c> in v1–v10 (top-level <c>redacts</c>); from v11 it belongs in <see cref="Content"/>.</summary>
    public EventId? Redacts { get; init; }
    /// <summary>Optional <c>unsigned</c> data (not covered by hashes or signatures).</summary>
    public JsonElement? Unsigned { get; init; }
    /// <summary>Room versions 1–2 reference events as [id, {"sha256": hash}]: the reference hash of each referenced event.</summary>
    public Func<EventId, ReadOnlyMemory<byte>>? ReferenceHashOf { get; init; }
}
