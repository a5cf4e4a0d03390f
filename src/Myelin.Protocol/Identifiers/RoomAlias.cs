using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Identifiers;

/// <summary>A room alias, <c>#localpart:server</c>. spec: appendices "Room Aliases".</summary>
public readonly record struct RoomAlias
{
    public const int MaxLength = 255;

    private RoomAlias(string value, int colon)
    {
        Value = value;
        Alias = value[1..colon];
        Server = ServerName.Parse(value[(colon + 1)..]);
    }

    public string Value { get; }
    public string Alias { get; }
    public ServerName Server { get; }

    public static RoomAlias Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid room alias: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out RoomAlias alias)
    {
        alias = default;
        if (!SigilledId.IsValid(value, '#', MaxLength, serverRequired: true))
        {
            return false;
        }
        alias = new RoomAlias(value!, value!.IndexOf(':', StringComparison.Ordinal));
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
