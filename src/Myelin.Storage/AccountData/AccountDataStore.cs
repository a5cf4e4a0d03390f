using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;
using Myelin.Storage.Streams;

namespace Myelin.Storage.AccountData;

internal sealed class AccountDataStore(StorageEngine engine) : IAccountDataStore
{
    // Global account data is stored with room_id '' so the primary key covers both kinds.
    private const string Global = "";
    private const string Columns = "user_id, room_id, type, content, stream_position";

    public Task<StreamPosition> SetAsync(UserId userId, RoomId? roomId, string type, string content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(content);
        return engine.WriteAsync(async db =>
        {
            var position = await StreamPositions.AdvanceAsync(db, StreamName.AccountData);
            await db.ExecuteAsync(
                "INSERT INTO account_data (user_id, room_id, type, content, stream_position) VALUES (@user_id, @room_id, @type, @content, @position) " +
                "ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = excluded.content, stream_position = excluded.stream_position",
                ("user_id", userId.Value), ("room_id", roomId?.Value ?? Global), ("type", type), ("content", content), ("position", position.Value));
            return position;
        }, cancellationToken);
    }

    public Task<AccountDataEntry?> GetAsync(UserId userId, RoomId? roomId, string type, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {Columns} FROM account_data WHERE user_id = @user_id AND room_id = @room_id AND type = @type", Read,
            ("user_id", userId.Value), ("room_id", roomId?.Value ?? Global), ("type", type)), cancellationToken);

    public Task<IReadOnlyList<AccountDataEntry>> GetAllAsync(UserId userId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<AccountDataEntry>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM account_data WHERE user_id = @user_id ORDER BY room_id, type", Read, ("user_id", userId.Value)), cancellationToken);

    public Task<IReadOnlyList<AccountDataEntry>> GetChangedSinceAsync(UserId userId, StreamPosition since, CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<AccountDataEntry>>(async db => await db.QueryAsync(
            $"SELECT {Columns} FROM account_data WHERE user_id = @user_id AND stream_position > @since ORDER BY stream_position", Read,
            ("user_id", userId.Value), ("since", since.Value)), cancellationToken);

    private static AccountDataEntry Read(DbDataReader r) => new(
        UserId.Parse(r.GetString(0)),
        r.GetString(1).Length == 0 ? null : RoomId.Parse(r.GetString(1)),
        r.GetString(2),
        r.GetString(3),
        new StreamPosition(r.GetInt64(4)));
}
