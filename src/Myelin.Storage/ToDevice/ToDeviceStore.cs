using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.ToDevice;

internal sealed class ToDeviceStore(StorageEngine engine) : IToDeviceStore
{
    public Task<StreamPosition> AddAsync(IReadOnlyList<OutgoingToDeviceMessage> messages, CancellationToken cancellationToken = default)
    {
        if (messages.Count == 0)
        {
            throw new ArgumentException("At least one message is required.", nameof(messages));
        }
        return engine.WriteAsync(db => InsertAsync(db, messages), cancellationToken);
    }

    /// <summary>Queues messages in the inbox inside the caller's transaction; returns the last stream position used.</summary>
    internal static async Task<StreamPosition> InsertAsync(DbSession db, IReadOnlyList<OutgoingToDeviceMessage> messages)
    {
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
    }

    public Task<IReadOnlyList<ToDeviceMessage>> GetAsync(UserId userId, DeviceId deviceId, StreamPosition since, StreamPosition upTo, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return engine.ReadAsync<IReadOnlyList<ToDeviceMessage>>(async db => await db.QueryAsync(
            "SELECT sender, type, content, stream_position FROM to_device_inbox WHERE user_id = @user_id AND device_id = @device_id " +
            "AND stream_position > @since AND stream_position <= @up_to ORDER BY stream_position LIMIT @limit",
            r => new ToDeviceMessage(UserId.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), new StreamPosition(r.GetInt64(3))),
            ("user_id", userId.Value), ("device_id", deviceId.Value), ("since", since.Value), ("up_to", upTo.Value), ("limit", (long)limit)), cancellationToken);
    }

    public Task<int> DeleteUpToAsync(UserId userId, DeviceId deviceId, StreamPosition upTo, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "DELETE FROM to_device_inbox WHERE user_id = @user_id AND device_id = @device_id AND stream_position <= @up_to",
            ("user_id", userId.Value), ("device_id", deviceId.Value), ("up_to", upTo.Value)), cancellationToken);
}
