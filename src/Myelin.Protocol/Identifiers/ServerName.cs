using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A homeserver's name: a DNS name, an IPv4 literal or a bracketed IPv6 literal, with an optional port.
/// spec: appendices "Server Name".
/// </summary>
public readonly record struct ServerName
{
    private readonly string _value;

    private ServerName(string value) => _value = value;

    public string Value => _value ?? string.Empty;

    public static ServerName Parse(string value) =>
        TryParse(value, out var name) ? name : throw new FormatException($"Invalid server name: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out ServerName name)
    {
        name = default;
        if (!ServerNameGrammar.IsValid(value))
        {
            return false;
        }
        name = new ServerName(value!);
        return true;
    }

    public override string ToString() => Value;
}
