using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Receipts;

/// <summary>Receipts on the receipts stream; a new receipt replaces the user's previous one for the same room, type and thread.</summary>
public interface IReceiptStore
{
    Task<StreamPosition> SetAsync(RoomId roomId, string receiptType, UserId userId, string? threadId, EventId eventId, long ts, CancellationToken cancellationToken = default);

    /// <summary>All current receipts in the room.</summary>
    Task<IReadOnlyList<Receipt>> GetForRoomAsync(RoomId roomId, CancellationToken cancellationToken = default);

    /// <summary>Receipts in the rooms changed after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<Receipt>> GetChangedSinceAsync(IReadOnlyCollection<RoomId> roomIds, StreamPosition since, CancellationToken cancellationToken = default);
}
