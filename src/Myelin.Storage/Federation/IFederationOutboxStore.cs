using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Federation;

/// <summary>
/// The durable part of the outbound federation queues: PDUs (by event ID) and durable EDUs per destination, in the
/// order queued, grouped into transactions that stay assigned until the destination acknowledged them.
/// spec: server-server "Transactions".
/// </summary>
public interface IFederationOutboxStore
{
    /// <summary>Queues the event for each destination; a destination that already has it queued is left as it is.</summary>
    Task EnqueuePduAsync(EventId eventId, RoomId roomId, IReadOnlyCollection<ServerName> destinations, long queuedTs, CancellationToken cancellationToken = default);

    /// <summary>Queues an EDU (its content as JSON text) for one destination.</summary>
    Task EnqueueEduAsync(ServerName destination, string eduType, string content, long queuedTs, CancellationToken cancellationToken = default);

    /// <summary>Every destination with something queued.</summary>
    Task<IReadOnlyList<ServerName>> GetDestinationsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The destination's next transaction: the items already assigned to a transaction that was not acknowledged
    /// (a retry: same ID, same items), or else the oldest <paramref name="maxPdus"/> PDUs and <paramref name="maxEdus"/>
    /// EDUs, now assigned to <paramref name="newTxnId"/>. Null when nothing is queued.
    /// </summary>
    Task<OutboxTransaction?> ClaimTransactionAsync(ServerName destination, string newTxnId, int maxPdus, int maxEdus, CancellationToken cancellationToken = default);

    /// <summary>The destination acknowledged the transaction: its items are removed.</summary>
    Task CompleteTransactionAsync(ServerName destination, string txnId, CancellationToken cancellationToken = default);

    /// <summary>How many PDUs are queued for the destination (in a transaction or not).</summary>
    Task<long> CountPdusAsync(ServerName destination, CancellationToken cancellationToken = default);

    /// <summary>
    /// Catch-up: drops every queued PDU that is not yet in a transaction except the newest one per room; returns how
    /// many were dropped. The destination fetches the gap itself (get_missing_events).
    /// </summary>
    Task<long> CollapsePdusAsync(ServerName destination, CancellationToken cancellationToken = default);
}
