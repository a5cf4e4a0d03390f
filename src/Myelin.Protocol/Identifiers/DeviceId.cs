using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A device ID: an opaque, non-empty string chosen by the client or the server, at most 255 bytes,
/// without control characters (it appears in key IDs such as <c>ed25519:DEVICEID</c>).
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<DeviceId>))]
public readonly record struct DeviceId : IMatrixIdentifier<DeviceId>
{
    public const int MaxLength = IdentifierGrammar.MaxBytes;

    private DeviceId(string value) => Value = value;

    public string Value { get; }

    public static string Kind => "device ID";

    public static DeviceId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid device ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out DeviceId id)
    {
        id = default;
        if (string.IsNullOrEmpty(value) || !IdentifierGrammar.FitsInBytes(value, MaxLength))
        {
            return false;
        }
        foreach (char c in value)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }
        id = new DeviceId(value);
        return true;
    }

    /// <summary>A new server-chosen device ID: ten upper-case letters, like other homeservers generate.</summary>
    public static DeviceId New()
    {
        Span<char> chars = stackalloc char[10];
        System.Security.Cryptography.RandomNumberGenerator.GetItems("ABCDEFGHIJKLMNOPQRSTUVWXYZ", chars);
        return new DeviceId(new string(chars));
    }

    public override string ToString() => Value ?? string.Empty;
}
