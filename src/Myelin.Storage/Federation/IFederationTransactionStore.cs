using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Federation;

/// <summary>
/// The answers this server gave to transactions other servers sent it (<c>PUT /_matrix/federation/v1/send/{txnId}</c>),
/// so that a retried transaction is answered the same way without being processed again.
/// spec: server-server "Transactions".
/// </summary>
public interface IFederationTransactionStore
{
    /// <summary>The stored response JSON for <paramref name="origin"/>'s transaction <paramref name="transactionId"/>, or null.</summary>
    Task<string?> GetResponseAsync(ServerName origin, string transactionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the response to a processed transaction. Returns false (and keeps the earlier one) when a response for
    /// the same origin and transaction ID is already stored.
    /// </summary>
    Task<bool> StoreResponseAsync(ServerName origin, string transactionId, string responseJson, long receivedTs, CancellationToken cancellationToken = default);

    /// <summary>Forgets transactions received before <paramref name="receivedBeforeTs"/>; returns how many.</summary>
    Task<int> DeleteReceivedBeforeAsync(long receivedBeforeTs, CancellationToken cancellationToken = default);
}
