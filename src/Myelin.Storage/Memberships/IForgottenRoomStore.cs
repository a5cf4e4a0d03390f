using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Memberships;

/// <summary>
/// Rooms users have forgotten. A room stays forgotten only while the user's membership is the one they forgot:
/// a new membership event (rejoin, invite) brings it back. spec: client-server "POST /rooms/{roomId}/forget".
/// </summary>
public interface IForgottenRoomStore
{
    /// <summary>Forgets the room as of <paramref name="membershipEvent"/>, the user's current member event.</summary>
    Task ForgetAsync(UserId userId, RoomId roomId, EventId membershipEvent, CancellationToken cancellationToken = default);

    /// <summary>Whether the user forgot the room and their membership has not changed since.</summary>
    Task<bool> IsForgottenAsync(UserId userId, RoomId roomId, CancellationToken cancellationToken = default);

    /// <summary>The rooms the user forgot (whose membership has not changed since), sorted; sync leaves them out.</summary>
    Task<IReadOnlyList<RoomId>> GetForgottenRoomsAsync(UserId userId, CancellationToken cancellationToken = default);
}
