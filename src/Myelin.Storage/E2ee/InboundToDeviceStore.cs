using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;
using Myelin.Storage.ToDevice;

namespace Myelin.Storage.E2ee;

internal sealed class InboundToDeviceStore(StorageEngine engine) : IInboundToDeviceStore
{
    public Task<StreamPosition?> DeliverOnceAsync(ServerName origin, string messageId, IReadOnlyList<OutgoingToDeviceMessage> messages,
        long receivedTs, long forgetBeforeTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync<StreamPosition?>(async db =>
        {
            await db.ExecuteAsync("DELETE FROM e2e_inbound_to_device WHERE received_ts < @before", ("before", forgetBeforeTs));
            int recorded = await db.ExecuteAsync(
                "INSERT INTO e2e_inbound_to_device (origin, message_id, received_ts) VALUES (@origin, @message_id, @ts) " +
                "ON CONFLICT (origin, message_id) DO NOTHING",
                ("origin", origin.Value), ("message_id", messageId), ("ts", receivedTs));
            if (recorded == 0)
            {
                return null;
            }
            return messages.Count == 0 ? new StreamPosition(0) : await ToDeviceStore.InsertAsync(db, messages);
        }, cancellationToken);
}
