using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A homeserver's name: a DNS name, an IPv4 literal or a bracketed IPv6 literal, with an optional port.
/// Compared case-sensitively. spec: appendices "Server Name".
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<ServerName>))]
public readonly record struct ServerName : IMatrixIdentifier<ServerName>
{
    private readonly string _value;

    private ServerName(string value) => _value = value;

    public string Value => _value ?? string.Empty;

    public static string Kind => "server name";

    /// <summary>The host part: a DNS name, an IPv4 literal, or an IPv6 literal with its brackets.</summary>
    public string Host => ServerNameGrammar.TrySplit(_value, out var host, out _) ? host.ToString() : string.Empty;

    /// <summary>The explicit port, or null when the name has none.</summary>
    public int? Port => ServerNameGrammar.TrySplit(_value, out _, out int port) && port >= 0 ? port : null;

    /// <summary>True when the host is an IP literal (no DNS lookup or SRV/well-known discovery applies).</summary>
    public bool IsIpLiteral
    {
        get
        {
            string host = Host;
            return host.StartsWith('[') || (host.Length > 0 && host.AsSpan().IndexOfAnyExcept("0123456789.") < 0);
        }
    }

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
