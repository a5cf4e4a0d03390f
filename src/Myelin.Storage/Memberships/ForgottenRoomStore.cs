using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Memberships;

internal sealed class ForgottenRoomStore(StorageEngine engine) : IForgottenRoomStore
{
    // Forgotten while the current membership is still the forgotten event.
    private const string StillForgotten =
        "FROM forgotten_rooms f JOIN room_memberships m ON m.room_id = f.room_id AND m.user_id = f.user_id AND m.event_id = f.event_id " +
        "WHERE f.user_id = @user_id";

    public Task ForgetAsync(UserId userId, RoomId roomId, EventId membershipEvent, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "INSERT INTO forgotten_rooms (user_id, room_id, event_id) VALUES (@user_id, @room_id, @event_id) " +
            "ON CONFLICT (user_id, room_id) DO UPDATE SET event_id = excluded.event_id",
            ("user_id", userId.Value), ("room_id", roomId.Value), ("event_id", membershipEvent.Value)), cancellationToken);

    public Task<bool> IsForgottenAsync(UserId userId, RoomId roomId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarInt64Async(
            $"SELECT COUNT(*) {StillForgotten} AND f.room_id = @room_id", ("user_id", userId.Value), ("room_id", roomId.Value)) > 0, cancellationToken);

    public Task<IReadOnlyList<RoomId>> GetForgottenRoomsAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<RoomId>>(async db => await db.QueryAsync(
            $"SELECT f.room_id {StillForgotten} ORDER BY f.room_id", r => RoomId.Parse(r.GetString(0)), ("user_id", userId.Value)), cancellationToken);
}
