using NSec.Cryptography;
using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.Crypto;

/// <summary>
/// An Ed25519 signing key with its key ID (<c>ed25519:version</c>). The private key is the 32-byte seed,
/// as in Synapse's key files. spec: appendices "Signing Details"; server-server "Retrieving server keys".
/// </summary>
public sealed class SigningKey : IDisposable
{
    public const int SeedSize = 32;
    public const int SignatureSize = 64;

    private readonly Key _key;

    private SigningKey(Key key, KeyId keyId)
    {
        _key = key;
        KeyId = keyId;
        VerifyKey = new VerifyKey(keyId, key.PublicKey);
    }

    public KeyId KeyId { get; }

    /// <summary>The public half, as published in <c>verify_keys</c>.</summary>
    public VerifyKey VerifyKey { get; }

    /// <summary>A new random key. <paramref name="version"/> must match <c>[a-zA-Z0-9_]+</c>.</summary>
    public static SigningKey Generate(string version) =>
        new(new Key(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }),
            CreateKeyId(version));

    /// <summary>The key for a 32-byte seed (the spec's test vectors and Synapse key files store seeds).</summary>
    public static SigningKey FromSeed(ReadOnlySpan<byte> seed, string version)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedSize} bytes, not {seed.Length}.", nameof(seed));
        }
        KeyId keyId = CreateKeyId(version);
        var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new SigningKey(key, keyId);
    }

    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    /// <summary>Signs <paramref name="data"/> into a 64-byte <paramref name="signature"/>.</summary>
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => SignatureAlgorithm.Ed25519.Sign(_key, data, signature);

    public byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    public void Dispose() => _key.Dispose();

    private static KeyId CreateKeyId(string version)
    {
        if (!KeyId.IsServerKeyVersion(version))
        {
            throw new ArgumentException($"Key version '{version}' must match [a-zA-Z0-9_]+.", nameof(version));
        }
        return KeyId.Create(KeyId.Ed25519, version);
    }
}
