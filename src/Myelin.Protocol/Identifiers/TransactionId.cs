using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A transaction ID chosen by a client (<c>PUT .../send/{eventType}/{txnId}</c>) or a sending server
/// (<c>PUT /_matrix/federation/v1/send/{txnId}</c>): opaque, non-empty, at most 255 bytes, no control characters.
/// </summary>
[JsonConverter(typeof(MatrixIdentifierJsonConverter<TransactionId>))]
public readonly record struct TransactionId : IMatrixIdentifier<TransactionId>
{
    public const int MaxLength = IdentifierGrammar.MaxBytes;

    private TransactionId(string value) => Value = value;

    public string Value { get; }

    public static string Kind => "transaction ID";

    public static TransactionId Parse(string value) =>
        TryParse(value, out var id) ? id : throw new FormatException($"Invalid transaction ID: '{value}'.");

    public static bool TryParse([NotNullWhen(true)] string? value, out TransactionId id)
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
        id = new TransactionId(value);
        return true;
    }

    /// <summary>A fresh transaction ID for outgoing federation transactions.</summary>
    public static TransactionId New() =>
        new(Crypto.UnpaddedBase64.EncodeUrlSafe(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    public override string ToString() => Value ?? string.Empty;
}
