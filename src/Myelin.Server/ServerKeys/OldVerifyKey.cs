using Myelin.Protocol.Identifiers;

namespace Myelin.Server.ServerKeys;

/// <summary>
/// A signing key this server no longer uses, still published under <c>old_verify_keys</c> so that remote servers
/// can check events it signed before <see cref="ExpiredTs"/>. spec: server-server "Publishing Keys".
/// </summary>
/// <param name="PublicKeyBase64">The unpadded base64 Ed25519 public key.</param>
public sealed record OldVerifyKey(KeyId KeyId, string PublicKeyBase64, long ExpiredTs);
