using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Federation;

/// <summary>
/// A remote server's public signing key as this server last learned it.
/// <see cref="ExpiredTs"/> is set for a key published under <c>old_verify_keys</c>.
/// </summary>
/// <param name="VerifyKey">The unpadded base64 Ed25519 public key.</param>
/// <param name="ValidUntilTs">Until when the key may be used (for old keys: <see cref="ExpiredTs"/>).</param>
public sealed record ServerVerifyKeyRecord(ServerName ServerName, KeyId KeyId, string VerifyKey, long ValidUntilTs, long? ExpiredTs, long FetchedTs);
