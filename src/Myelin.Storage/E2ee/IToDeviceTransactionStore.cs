using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;
using Myelin.Storage.ToDevice;

namespace Myelin.Storage.E2ee;

/// <summary>
/// PUT /sendToDevice with its idempotency: a sender device's transaction ID is accepted once.
/// spec: client-server "Send-to-Device messaging", "Transaction identifiers".
/// </summary>
public interface IToDeviceTransactionStore
{
    /// <summary>
    /// Records the transaction and queues the messages in one transaction. Returns the last to-device position used,
    /// <see cref="StreamPosition"/> 0 when there was nothing to queue, or null if the transaction was already seen.
    /// </summary>
    Task<StreamPosition?> SendOnceAsync(UserId sender, DeviceId senderDevice, string transactionId, IReadOnlyList<OutgoingToDeviceMessage> messages, CancellationToken cancellationToken = default);
}
