using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Events;

namespace Myelin.Server.Rooms;

/// <summary>A local user's request to add an event to a room: what the client said, before the server fills in the rest.</summary>
public sealed record NewEvent(RoomId RoomId, UserId Sender, string Type, JsonElement Content)
{
    /// <summary>Null for message events.</summary>
    public string? StateKey { get; init; }
    /// <summary>For <c>m.room.redaction</c> in room versions 1–10 (top-level <c>redacts</c>).</summary>
    public EventId? Redacts { get; init; }
    /// <summary>The sending device's transaction ID, making the send idempotent.</summary>
    public TransactionKey? Transaction { get; init; }
    /// <summary>Overrides origin_server_ts (appservices' <c>ts</c> parameter).</summary>
    public long? Timestamp { get; init; }
}

/// <summary>The event a send produced (or, for a repeated transaction ID, the one the first send produced).</summary>
public sealed record SentEvent(EventId EventId, Myelin.Storage.Streams.StreamPosition StreamPosition, bool Deduplicated);
