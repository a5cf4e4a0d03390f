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
            var last = await StreamPositions.AdvanceAsync(db, StreamName.ToDevice, messages.Count);
            long position = last.Value - messages.Count;
            foreach (var message in messages)
            {
                position++;
                await db.ExecuteAsync(
                    "INSERT INTO to_device_inbox (user_id, device_id, stream_position, sender, type, content) VALUES (@user_id, @device_id, @position, @sender, @type, @content)",
                    ("user_id", message.Recipient.Value), ("device_id", message.RecipientDevice.Value), ("position", position),
                    ("sender", message.Sender.Value), ("type", message.Type), ("content", message.Content));
            }
            return last;
        }, cancellationToken);
}
