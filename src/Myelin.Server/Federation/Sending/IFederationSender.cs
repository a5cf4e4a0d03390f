using System.Text.Json;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Sending;

/// <summary>
/// Outbound federation: PDUs and EDUs for other servers, sent as <c>PUT /_matrix/federation/v1/send/{txnId}</c>
/// transactions (at most 50 PDUs and 100 EDUs each) from one queue per destination, retried with backoff.
/// Local events that the room writer persists are sent to the room's other servers automatically; these methods
/// are for everything else. spec: server-server "Transactions", "PDUs", "EDUs".
/// </summary>
public interface IFederationSender
{
    /// <summary>
    /// Queues a PDU for each destination (our own name is skipped), durably: when the task completes the PDU
    /// is persisted and survives a restart. For events sent on another server's behalf (e.g. a join received
    /// through <c>send_join</c>) and for explicit re-sends.
    /// </summary>
    Task SendPduAsync(Pdu pdu, IReadOnlyCollection<ServerName> destinations, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues an ephemeral EDU (typing, receipts, presence) in memory: sent with the next transaction, dropped on
    /// restart or after the destination has been unreachable for a while.
    /// </summary>
    void SendEdu(ServerName destination, string eduType, JsonElement content);

    /// <summary>
    /// Queues an EDU that must not be lost (<c>m.direct_to_device</c>, <c>m.device_list_update</c>,
    /// <c>m.signing_key_update</c>): persisted before the task completes, delivered in order per destination.
    /// </summary>
    Task SendDurableEduAsync(ServerName destination, string eduType, JsonElement content, CancellationToken cancellationToken = default);

    /// <summary>
    /// The server just made an authenticated request to us, so it is up: retry its queue now instead of waiting
    /// out the backoff. spec: server-server "Transactions" (retries).
    /// </summary>
    void OnServerSeen(ServerName server);
}
