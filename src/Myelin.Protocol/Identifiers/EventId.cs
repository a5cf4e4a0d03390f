using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// An event ID: <c>$opaque:server</c> in room versions 1–2, <c>$</c> + base64 reference hash from version 3 on.
/// spec: appendices "Event IDs", rooms/v1 "Event IDs", rooms/v3, rooms/v4 "Event IDs".
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<EventId>))]
public readonly record struct EventId : IMatrixIdentifier<EventId>
{
    public const int MaxLength = IdentifierGrammar.MaxBytes;

    private EventId(string value) => Value = value;

    public string Value { get; }

    public static string Kind => "event ID";

    /// <summary>The server part of a v1/v2 event ID, or null for hash-based IDs.</summary>
    public ServerName? Server
    {
        get
        {
            int colon = Value?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            return colon > 0 && ServerName.TryParse(Value![(colon + 1)..], out var s) ? s : null;
        }
    }

    public static EventId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid event ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out EventId id)
    {
        id = default;
        if (value is null || value.Length < 2 || value[0] != '$' || !IdentifierGrammar.FitsInBytes(value, MaxLength))
        {
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            // v3: standard base64 (may hold '+' and '/'); v4+: URL-safe base64.
            foreach (char c in value.AsSpan(1))
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '-' or '_'))
                {
                    return false;
                }
            }
        }
        else if (colon < 2
            || !IdentifierGrammar.IsOpaqueLocalpart(value.AsSpan(1, colon - 1))
            || !ServerName.TryParse(value[(colon + 1)..], out _))
        {
            return false;
        }
        id = new EventId(value);
        return true;
    }

    /// <summary>The event ID for a reference hash in the room version's format (v3+). spec: rooms/v3, rooms/v4 "Event IDs".</summary>
    public static EventId FromReferenceHash(ReadOnlySpan<byte> referenceHash, EventIdFormat format) => format switch
    {
        EventIdFormat.ReferenceHashBase64 => new EventId("$" + UnpaddedBase64.Encode(referenceHash)),
        EventIdFormat.ReferenceHashUrlSafeBase64 => new EventId("$" + UnpaddedBase64.EncodeUrlSafe(referenceHash)),
        _ => throw new ArgumentException("Event IDs of this room version are not derived from the reference hash.", nameof(format)),
    };

    /// <summary>A fresh <c>$opaque:server</c> ID for room versions 1 and 2. spec: rooms/v1 "Event IDs".</summary>
    public static EventId NewServerScoped(ServerName server) =>
        Parse($"${UnpaddedBase64.EncodeUrlSafe(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18))}:{server.Value}");

    public override string ToString() => Value ?? string.Empty;
}
