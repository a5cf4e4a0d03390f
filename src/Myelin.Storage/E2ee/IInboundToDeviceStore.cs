using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;
using Myelin.Storage.ToDevice;

namespace Myelin.Storage.E2ee;

/// <summary>
/// Delivery of <c>m.direct_to_device</c> EDUs: each origin's message ID is delivered once.
/// spec: server-server "Send-to-device messaging" (message_id "used for idempotence").
/// </summary>
public interface IInboundToDeviceStore
{
    /// <summary>
    /// Records <paramref name="messageId"/> for <paramref name="origin"/> and queues the messages, in one transaction.
    /// Returns the last to-device position used (0 when there was nothing to queue), or null if the message ID was
    /// already delivered. Message IDs recorded before <paramref name="forgetBeforeTs"/> are forgotten.
    /// </summary>
    Task<StreamPosition?> DeliverOnceAsync(ServerName origin, string messageId, IReadOnlyList<OutgoingToDeviceMessage> messages,
        long receivedTs, long forgetBeforeTs, CancellationToken cancellationToken = default);
}
