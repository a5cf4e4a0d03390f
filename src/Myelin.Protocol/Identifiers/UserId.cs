using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A user ID, <c>@localpart:server</c>. <see cref="TryParse"/> accepts the historical grammar that
/// remote servers may send (any code points but <c>:</c> and NUL, even an empty localpart);
/// <see cref="Create"/> and <see cref="IsValidNewLocalpart"/> apply the strict grammar for users we create.
/// spec: appendices "User Identifiers", "Historical User IDs".
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<UserId>))]
public readonly record struct UserId : IMatrixIdentifier<UserId>
{
    /// <summary>spec: "The length of a user ID, including the @ sigil and the domain, MUST NOT exceed 255 bytes."</summary>
    public const int MaxLength = IdentifierGrammar.MaxBytes;

    private UserId(string value, int colon, ServerName server)
    {
        Value = value;
        Localpart = value[1..colon];
        Server = server;
    }

    public string Value { get; }
    public string Localpart { get; }
    public ServerName Server { get; }

    public static string Kind => "user ID";

    /// <summary>
    /// False for historical IDs: an empty localpart or one with characters outside U+0021–U+007E.
    /// Servers accept these in events but should not forward them to clients elsewhere.
    /// spec: appendices "Historical User IDs".
    /// </summary>
    public bool IsCompliant =>
        Localpart is { Length: > 0 } l && l.AsSpan().IndexOfAnyExceptInRange('!', '~') < 0;

    /// <summary>True when the localpart follows the current grammar <c>[a-z0-9._=/+-]+</c>.</summary>
    public bool IsStrict => Localpart is not null && IsValidNewLocalpart(Localpart);

    public static UserId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid user ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out UserId id)
    {
        id = default;
        if (string.IsNullOrEmpty(value) || value[0] != '@' || !IdentifierGrammar.FitsInBytes(value, MaxLength))
        {
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1
            || !IdentifierGrammar.IsOpaqueLocalpart(value.AsSpan(1, colon - 1))
            || !ServerName.TryParse(value[(colon + 1)..], out var server))
        {
            return false;
        }
        id = new UserId(value, colon, server);
        return true;
    }

    /// <summary>
    /// A user ID for a user this server creates. Throws <see cref="ArgumentException"/> when the
    /// localpart breaks the strict grammar or the ID would exceed 255 bytes.
    /// </summary>
    public static UserId Create(string localpart, ServerName server)
    {
        if (!IsValidNewLocalpart(localpart))
        {
            throw new ArgumentException($"'{localpart}' is not a valid user ID localpart ([a-z0-9._=/+-]+).", nameof(localpart));
        }
        string value = $"@{localpart}:{server.Value}";
        return TryParse(value, out var id)
            ? id
            : throw new ArgumentException($"'{value}' is not a valid user ID (at most {MaxLength} bytes).", nameof(localpart));
    }

    /// <summary>The strict grammar for newly registered users: <c>[a-z0-9._=/+-]+</c>.</summary>
    public static bool IsValidNewLocalpart(string localpart)
    {
        if (string.IsNullOrEmpty(localpart))
        {
            return false;
        }
        foreach (char c in localpart)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '=' or '-' or '/' or '+'))
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
