using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A user ID, <c>@localpart:server</c>. <see cref="TryParse"/> accepts the historical grammar that
/// remote servers may send; <see cref="IsValidNewLocalpart"/> is the strict grammar for users we create.
/// spec: appendices "User Identifiers".
/// </summary>
public readonly record struct UserId
{
    public const int MaxLength = 255;

    private UserId(string value, int colon)
    {
        Value = value;
        Localpart = value[1..colon];
        Server = ServerName.Parse(value[(colon + 1)..]);
    }

    public string Value { get; }
    public string Localpart { get; }
    public ServerName Server { get; }

    public static UserId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid user ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out UserId id)
    {
        id = default;
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value[0] != '@')
        {
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1 || !ServerName.TryParse(value[(colon + 1)..], out _))
        {
            return false;
        }
        // Historical grammar: any printable ASCII except ':' (spec: "Historical User IDs").
        for (int i = 1; i < colon; i++)
        {
            if (value[i] is < '!' or > '~')
            {
                return false;
            }
        }
        id = new UserId(value, colon);
        return true;
    }

    public static UserId Create(string localpart, ServerName server) => Parse($"@{localpart}:{server}");

    /// <summary>The strict grammar for newly registered users: <c>[a-z0-9._=/+-]+</c>.</summary>
    public static bool IsValidNewLocalpart(string localpart)
    {
        if (localpart.Length == 0)
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
