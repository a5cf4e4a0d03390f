using System.Diagnostics.CodeAnalysis;
using NSec.Cryptography;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Crypto;

/// <summary>An Ed25519 public key with its key ID, as published under <c>verify_keys</c>. spec: server-server "Publishing Keys".</summary>
public sealed class VerifyKey
{
    public const int PublicKeySize = 32;

    private readonly PublicKey _publicKey;

    internal VerifyKey(KeyId keyId, PublicKey publicKey)
    {
        KeyId = keyId;
        _publicKey = publicKey;
        byte[] raw = publicKey.Export(KeyBlobFormat.RawPublicKey);
        PublicKeyBytes = raw;
        PublicKeyBase64 = UnpaddedBase64.Encode(raw);
    }

    public KeyId KeyId { get; }
    public ReadOnlyMemory<byte> PublicKeyBytes { get; }
    /// <summary>The unpadded base64 form used in <c>verify_keys.{keyId}.key</c>.</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>Reads an Ed25519 public key; false for another algorithm or a malformed key.</summary>
    public static bool TryCreate(KeyId keyId, ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out VerifyKey? key)
    {
        key = null;
        if (keyId.Algorithm != KeyId.Ed25519 || publicKey.Length != PublicKeySize
            || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out PublicKey? imported)
            || imported is null)
        {
            return false;
        }
        key = new VerifyKey(keyId, imported);
        return true;
    }

    /// <summary>Reads a key from its unpadded base64 form (padding tolerated).</summary>
    public static bool TryCreate(KeyId keyId, string? publicKeyBase64, [NotNullWhen(true)] out VerifyKey? key)
    {
        key = null;
        Span<byte> raw = stackalloc byte[PublicKeySize + 3];
        return publicKeyBase64 is not null
            && UnpaddedBase64.TryDecode(publicKeyBase64, raw, out int written)
            && TryCreate(keyId, raw[..written], out key);
    }

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == SigningKey.SignatureSize && SignatureAlgorithm.Ed25519.Verify(_publicKey, data, signature);
}
