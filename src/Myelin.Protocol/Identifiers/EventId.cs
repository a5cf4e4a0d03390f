using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// An event ID: <c>$opaque:server</c> in room versions 1–2, <c>$base64hash</c> from version 3 on.
/// spec: appendices "Event IDs", rooms/v3 and v4 "Event IDs".
/// </summary>
public readonly record struct EventId
{
    public const int MaxLength = 255;

    private EventId(string value) => Value = value;

    public string Value { get; }

    public static EventId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid event ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out EventId id)
    {
        id = default;
        if (!SigilledId.IsValid(value, '$', MaxLength, serverRequired: false))
        {
            return false;
        }
        id = new EventId(value!);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
