using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Memberships;

/// <summary>
/// Memberships derived from rooms' current state, maintained in the same transaction that persists
/// the member event. Membership values are the spec's strings (<c>join</c>, <c>invite</c>, ...).
/// </summary>
public interface IRoomMembershipStore
{
    Task<MembershipRecord?> GetMembershipAsync(RoomId roomId, UserId userId, CancellationToken cancellationToken = default);

    /// <summary>The rooms where the user's current membership is <paramref name="membership"/> (e.g. joined rooms for sync).</summary>
    Task<IReadOnlyList<RoomId>> GetRoomsForUserAsync(UserId userId, string membership, CancellationToken cancellationToken = default);

    /// <summary>Every room the user has a membership in, with that membership.</summary>
    Task<IReadOnlyList<MembershipRecord>> GetMembershipsForUserAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Users whose current membership of the room is <paramref name="membership"/>, sorted.</summary>
    Task<IReadOnlyList<UserId>> GetMembersAsync(RoomId roomId, string membership, CancellationToken cancellationToken = default);

    Task<long> CountMembersAsync(RoomId roomId, string membership, CancellationToken cancellationToken = default);

    /// <summary>The membership the user had at events-stream <paramref name="position"/> (null if none yet).</summary>
    Task<MembershipRecord?> GetMembershipAtAsync(RoomId roomId, UserId userId, StreamPosition position, CancellationToken cancellationToken = default);

    /// <summary>The user's membership changes with <paramref name="since"/> &lt; position ≤ <paramref name="upTo"/>, oldest first (sync's joins, invites, leaves).</summary>
    Task<IReadOnlyList<MembershipRecord>> GetMembershipChangesAsync(UserId userId, StreamPosition since, StreamPosition upTo, CancellationToken cancellationToken = default);

    /// <summary>
    /// The membership changes in <paramref name="rooms"/> with <paramref name="since"/> &lt; position ≤ <paramref name="upTo"/>,
    /// oldest first: who joined or left rooms a user shares (device-list tracking).
    /// </summary>
    Task<IReadOnlyList<MembershipRecord>> GetRoomMembershipChangesAsync(IReadOnlyCollection<RoomId> rooms, StreamPosition since, StreamPosition upTo, CancellationToken cancellationToken = default);
}
