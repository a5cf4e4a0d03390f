using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Rooms;

/// <summary>Reports of rooms and events, kept for the server's administrators.</summary>
public interface IRoomReportStore
{
    /// <summary>Stores a report (<paramref name="eventId"/> null for a report of the whole room); returns its ID.</summary>
    Task<long> AddAsync(UserId reporter, RoomId roomId, EventId? eventId, string? reason, long? score, long receivedTs, CancellationToken cancellationToken = default);

    /// <summary>The newest reports first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RoomReport>> ListAsync(int limit, CancellationToken cancellationToken = default);
}
