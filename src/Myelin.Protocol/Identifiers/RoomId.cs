using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A room ID: <c>!opaque:server</c> (room versions 1–11) or <c>!hash</c> (room version 12, derived
/// from the create event's reference hash). spec: appendices "Room IDs".
/// </summary>
public readonly record struct RoomId
{
    public const int MaxLength = 255;

    private RoomId(string value) => Value = value;

    public string Value { get; }

    /// <summary>The server part, if this ID has one (room versions before 12).</summary>
    public ServerName? Server
    {
        get
        {
            int colon = Value.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && ServerName.TryParse(Value[(colon + 1)..], out var s) ? s : null;
        }
    }

    public static RoomId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid room ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out RoomId id)
    {
        id = default;
        if (!SigilledId.IsValid(value, '!', MaxLength, serverRequired: false))
        {
            return false;
        }
        id = new RoomId(value!);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
