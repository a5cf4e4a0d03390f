namespace Myelin.Server.Configuration;

/// <summary>A notary server trusted to vouch for other servers' signing keys (Synapse's <c>trusted_key_servers</c>).</summary>
public sealed record TrustedKeyServer(string ServerName, IReadOnlyDictionary<string, string> VerifyKeys, bool AcceptKeysInsecurely = false);
