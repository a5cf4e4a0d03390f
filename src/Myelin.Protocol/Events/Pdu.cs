using System.Text.Json;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Events;

/// <summary>
/// A room event (persistent data unit) as the exact JSON it was signed or received as, plus the
/// fields the auth rules, state resolution and storage read. Events stay bytes: nothing
/// re-serializes a <see cref="Pdu"/> to hash or verify it; <see cref="Json"/> is the source of truth.
/// spec: server-server "PDUs", rooms/vN "Event format".
/// </summary>
public sealed class Pdu
{
    /// <summary>The event's JSON exactly as signed or received (for v3+ without <c>event_id</c>).</summary>
    public required ReadOnlyMemory<byte> Json { get; init; }
    public required RoomVersion RoomVersion { get; init; }

    public required EventId EventId { get; init; }
    public required RoomId RoomId { get; init; }
    public required UserId Sender { get; init; }
    public required string Type { get; init; }
    /// <summary>Null for message events; a string (possibly empty) for state events.</summary>
    public string? StateKey { get; init; }
    public required JsonElement Content { get; init; }
    public long OriginServerTs { get; init; }
    public long Depth { get; init; }
    public IReadOnlyList<EventId> PrevEvents { get; init; } = [];
    public IReadOnlyList<EventId> AuthEvents { get; init; } = [];
    /// <summary>The redacted event, from the top level (v1–v10) or <c>content.redacts</c> (v11+).</summary>
    public EventId? Redacts { get; init; }

    /// <summary>The whole event as parsed from <see cref="Json"/>: what hashes and signatures are checked against.</summary>
    public JsonElement Root
    {
        get
        {
            if (Volatile.Read(ref _root) is { } root)
            {
                return root.Element;
            }
            var parsed = new ParsedRoot(JsonElement.Parse(Json.Span, Myelin.Protocol.Json.CanonicalJson.ParseOptions));
            Volatile.Write(ref _root, parsed);
            return parsed.Element;
        }
        init => _root = new ParsedRoot(value);
    }

    private ParsedRoot? _root;

    private sealed record ParsedRoot(JsonElement Element);

    public bool IsState => StateKey is not null;
    public StateKey? StateTuple => StateKey is null ? null : new StateKey(Type, StateKey);

    public override string ToString() => $"{EventId} ({Type}{(StateKey is null ? "" : $", '{StateKey}'")})";
}

/// <summary>The (type, state_key) pair that identifies a piece of room state.</summary>
public readonly record struct StateKey(string Type, string Key)
{
    public override string ToString() => $"({Type}, '{Key}')";
}
