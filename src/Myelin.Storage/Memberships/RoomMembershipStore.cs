using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Memberships;

internal sealed class RoomMembershipStore(StorageEngine engine) : IRoomMembershipStore
{
    private const string Columns = "room_id, user_id, membership, event_id, stream_ordering";

    public Task<MembershipRecord?> GetMembershipAsync(RoomId roomId, UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {Columns} FROM room_memberships WHERE room_id = @room_id AND user_id = @user_id", Read,
            ("room_id", roomId.Value), ("user_id", userId.Value)), cancellationToken);

    public Task<IReadOnlyList<RoomId>> GetRoomsForUserAsync(UserId userId, string membership, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<RoomId>>(async db => await db.QueryAsync(
            "SELECT room_id FROM room_memberships WHERE user_id = @user_id AND membership = @membership ORDER BY room_id",
            r => RoomId.Parse(r.GetString(0)), ("user_id", userId.Value), ("membership", membership)), cancellationToken);

    public Task<IReadOnlyList<MembershipRecord>> GetMembershipsForUserAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<MembershipRecord>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM room_memberships WHERE user_id = @user_id ORDER BY room_id", Read, ("user_id", userId.Value)), cancellationToken);

    public Task<IReadOnlyList<UserId>> GetMembersAsync(RoomId roomId, string membership, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<UserId>>(async db => await db.QueryAsync(
            "SELECT user_id FROM room_memberships WHERE room_id = @room_id AND membership = @membership ORDER BY user_id",
            r => UserId.Parse(r.GetString(0)), ("room_id", roomId.Value), ("membership", membership)), cancellationToken);

    public Task<long> CountMembersAsync(RoomId roomId, string membership, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarInt64Async(
            "SELECT COUNT(*) FROM room_memberships WHERE room_id = @room_id AND membership = @membership",
            ("room_id", roomId.Value), ("membership", membership)) ?? 0, cancellationToken);

    public Task<MembershipRecord?> GetMembershipAtAsync(RoomId roomId, UserId userId, StreamPosition position, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {Columns} FROM room_membership_changes WHERE room_id = @room_id AND user_id = @user_id AND stream_ordering <= @position " +
            "ORDER BY stream_ordering DESC LIMIT 1", Read,
            ("room_id", roomId.Value), ("user_id", userId.Value), ("position", position.Value)), cancellationToken);

    public Task<IReadOnlyList<MembershipRecord>> GetMembershipChangesAsync(UserId userId, StreamPosition since, StreamPosition upTo, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<MembershipRecord>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM room_membership_changes WHERE user_id = @user_id AND stream_ordering > @since AND stream_ordering <= @up_to " +
            "ORDER BY stream_ordering, room_id", Read, ("user_id", userId.Value), ("since", since.Value), ("up_to", upTo.Value)), cancellationToken);

    public Task<IReadOnlyList<MembershipRecord>> GetRoomMembershipChangesAsync(IReadOnlyCollection<RoomId> rooms, StreamPosition since, StreamPosition upTo, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<MembershipRecord>>(async db =>
        {
            var result = new List<MembershipRecord>();
            if (since.Value >= upTo.Value)
            {
                return result;
            }
            foreach (var chunk in rooms.Select(r => r.Value).Distinct(StringComparer.Ordinal).Chunk(500))
            {
                var (inList, parameters) = DbSession.InList("r", chunk, r => r);
                result.AddRange(await db.QueryAsync(
                    $"SELECT {Columns} FROM room_membership_changes WHERE room_id IN ({inList}) AND stream_ordering > @since AND stream_ordering <= @up_to",
                    Read, [.. parameters, ("since", since.Value), ("up_to", upTo.Value)]));
            }
            result.Sort((a, b) => a.StreamPosition.Value.CompareTo(b.StreamPosition.Value));
            return result;
        }, cancellationToken);

    private static MembershipRecord Read(DbDataReader r) => new(
        RoomId.Parse(r.GetString(0)),
        UserId.Parse(r.GetString(1)),
        r.GetString(2),
        EventId.Parse(r.GetString(3)),
        new StreamPosition(r.GetInt64(4)));
}
