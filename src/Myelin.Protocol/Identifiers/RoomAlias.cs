using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>A room alias, <c>#localpart:server</c>. spec: appendices "Room Aliases".</summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<RoomAlias>))]
public readonly record struct RoomAlias : IMatrixIdentifier<RoomAlias>
{
    public const int MaxLength = IdentifierGrammar.MaxBytes;

    private RoomAlias(string value, int colon, ServerName server)
    {
        Value = value;
        Alias = value[1..colon];
        Server = server;
    }

    public string Value { get; }
    /// <summary>The localpart, without sigil and server.</summary>
    public string Alias { get; }
    public ServerName Server { get; }

    public static string Kind => "room alias";

    public static RoomAlias Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid room alias: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out RoomAlias alias)
    {
        alias = default;
        if (string.IsNullOrEmpty(value) || value[0] != '#' || !IdentifierGrammar.FitsInBytes(value, MaxLength))
        {
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        // spec: the localpart may contain any non-surrogate code points except ':' and NUL.
        if (colon < 2
            || !IdentifierGrammar.IsOpaqueLocalpart(value.AsSpan(1, colon - 1))
            || !ServerName.TryParse(value[(colon + 1)..], out var server))
        {
            return false;
        }
        alias = new RoomAlias(value, colon, server);
        return true;
    }

    public static RoomAlias Create(string alias, ServerName server) => Parse($"#{alias}:{server.Value}");

    public override string ToString() => Value ?? string.Empty;
}
