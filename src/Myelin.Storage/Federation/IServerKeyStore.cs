using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Federation;

/// <summary>Cache of other servers' signing keys. spec: server-server "Retrieving server keys".</summary>
public interface IServerKeyStore
{
    /// <summary>
    /// Records a fetched key response and the keys it lists (one transaction). A response is only replaced
    /// by one that is valid for at least as long, so a stale notary answer cannot shorten a fresher one.
    /// Keys are always updated (the newest fetch says whether a key is current or old).
    /// </summary>
    Task StoreAsync(ServerKeyResponseRecord response, IReadOnlyList<ServerVerifyKeyRecord> keys, CancellationToken cancellationToken = default);

    /// <summary>The key with that ID, or null if this server never learned it.</summary>
    Task<ServerVerifyKeyRecord?> GetKeyAsync(ServerName serverName, KeyId keyId, CancellationToken cancellationToken = default);

    /// <summary>Every known key of <paramref name="serverName"/>, ordered by key ID.</summary>
    Task<IReadOnlyList<ServerVerifyKeyRecord>> GetKeysAsync(ServerName serverName, CancellationToken cancellationToken = default);

    /// <summary>The stored key response for <paramref name="serverName"/>, or null.</summary>
    Task<ServerKeyResponseRecord?> GetResponseAsync(ServerName serverName, CancellationToken cancellationToken = default);
}
