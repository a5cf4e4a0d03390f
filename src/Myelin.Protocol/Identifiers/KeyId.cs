using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A key identifier <c>algorithm:version</c>, e.g. <c>ed25519:abc</c> (server keys) or
/// <c>ed25519:DEVICEID</c> (device keys). spec: appendices "Signing Details", server-server
/// "Publishing Keys" (server key versions are <c>[a-zA-Z0-9_]</c>).
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<KeyId>))]
public readonly record struct KeyId : IMatrixIdentifier<KeyId>
{
    public const string Ed25519 = "ed25519";
    public const int MaxLength = IdentifierGrammar.MaxBytes;

    private KeyId(string value, int colon)
    {
        Value = value;
        Algorithm = value[..colon];
        Version = value[(colon + 1)..];
    }

    public string Value { get; }
    public string Algorithm { get; }
    public string Version { get; }

    public static string Kind => "key ID";

    /// <summary>True when the version matches the server key grammar <c>[a-zA-Z0-9_]+</c>.</summary>
    public bool IsValidServerKeyVersion => Version is not null && IsServerKeyVersion(Version);

    public static KeyId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid key ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out KeyId id)
    {
        id = default;
        if (string.IsNullOrEmpty(value) || !IdentifierGrammar.FitsInBytes(value, MaxLength))
        {
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1 || colon == value.Length - 1)
        {
            return false;
        }
        // Algorithms are lower-case names such as ed25519, curve25519, signed_curve25519.
        foreach (char c in value.AsSpan(0, colon))
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }
        foreach (char c in value.AsSpan(colon + 1))
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }
        id = new KeyId(value, colon);
        return true;
    }

    public static KeyId Create(string algorithm, string version) => Parse($"{algorithm}:{version}");

    public static bool IsServerKeyVersion(string version)
    {
        if (version.Length == 0)
        {
            return false;
        }
        foreach (char c in version)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
