using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A room ID: <c>!opaque:server</c> (room versions 1–11) or <c>!hash</c> (room version 12: the create
/// event's ID with <c>!</c> instead of <c>$</c>). spec: appendices "Room IDs", rooms/v12.
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<RoomId>))]
public readonly record struct RoomId : IMatrixIdentifier<RoomId>
{
    public const int MaxLength = IdentifierGrammar.MaxBytes;

    private RoomId(string value) => Value = value;

    public string Value { get; }

    public static string Kind => "room ID";

    /// <summary>The server part, if this ID has one (room versions before 12).</summary>
    public ServerName? Server
    {
        get
        {
            int colon = Value?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            return colon > 0 && ServerName.TryParse(Value![(colon + 1)..], out var s) ? s : null;
        }
    }

    /// <summary>True for the v12 form that has no server part.</summary>
    public bool IsDomainless => Value is not null && !Value.Contains(':', StringComparison.Ordinal);

    public static RoomId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid room ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out RoomId id)
    {
        id = default;
        if (value is null || value.Length < 2 || value[0] != '!' || !IdentifierGrammar.FitsInBytes(value, MaxLength))
        {
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            // v12: "!" + the create event's reference hash in URL-safe unpadded base64.
            if (!IdentifierGrammar.IsUrlSafeBase64(value.AsSpan(1)))
            {
                return false;
            }
        }
        else if (colon < 2
            || !IdentifierGrammar.IsOpaqueLocalpart(value.AsSpan(1, colon - 1))
            || !ServerName.TryParse(value[(colon + 1)..], out _))
        {
            return false;
        }
        id = new RoomId(value);
        return true;
    }

    /// <summary>spec: rooms/v12 — the room ID is the create event's event ID with the <c>!</c> sigil.</summary>
    public static RoomId FromCreateEventId(EventId createEventId) => Parse("!" + createEventId.Value[1..]);

    public override string ToString() => Value ?? string.Empty;
}
