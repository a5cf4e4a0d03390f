using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;
using Myelin.Storage.ToDevice;

namespace Myelin.Storage.E2ee;

internal sealed class ToDeviceTransactionStore(StorageEngine engine) : IToDeviceTransactionStore
{
    public Task<StreamPosition?> SendOnceAsync(UserId sender, DeviceId senderDevice, string transactionId, IReadOnlyList<OutgoingToDeviceMessage> messages, CancellationToken cancellationToken = default) =>
        engine.WriteAsync<StreamPosition?>(async db =>
        {
            int recorded = await db.ExecuteAsync(
                "INSERT INTO to_device_transactions (user_id, device_id, txn_id) VALUES (@user_id, @device_id, @txn_id) ON CONFLICT (user_id, device_id, txn_id) DO NOTHING",
                ("user_id", sender.Value), ("device_id", senderDevice.Value), ("txn_id", transactionId));
            if (recorded == 0)
            {
                return null;
            }
            if (messages.Count == 0)
            {
                return new StreamPosition(0);
            }
            return await ToDeviceStore.InsertAsync(db, messages);
        }, cancellationToken);
}
