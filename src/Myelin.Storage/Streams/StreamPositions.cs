using Myelin.Storage.Engines;

namespace Myelin.Storage.Streams;

/// <summary>
/// Allocates positions from the <c>stream_positions</c> row of a stream inside the caller's write
/// transaction. The row update holds a row lock until commit (PostgreSQL) or runs on the single
/// writer (SQLite), so positions become visible in order: once a reader sees position N, every
/// position below N is committed too — sync never skips a change that commits late.
/// </summary>
internal static class StreamPositions
{
    public static string Key(StreamName stream) => stream switch
    {
        StreamName.Events => "events",
        StreamName.AccountData => "account_data",
        StreamName.Receipts => "receipts",
        StreamName.ToDevice => "to_device",
        StreamName.DeviceLists => "device_lists",
        _ => throw new ArgumentOutOfRangeException(nameof(stream), stream, null),
    };

    /// <summary>Reserves <paramref name="count"/> positions and returns the last; the first is last − count + 1.</summary>
    public static async Task<StreamPosition> AdvanceAsync(DbSession db, StreamName stream, int count = 1)
    {
        long? last = await db.ScalarInt64Async(
            "UPDATE stream_positions SET position = position + @count WHERE stream = @stream RETURNING position",
            ("count", (long)count), ("stream", Key(stream)));
        return new StreamPosition(last ?? throw new InvalidOperationException($"Stream '{Key(stream)}' is missing from stream_positions."));
    }

    public static async Task<StreamPosition> CurrentAsync(DbSession db, StreamName stream) =>
        new(await db.ScalarInt64Async("SELECT position FROM stream_positions WHERE stream = @stream", ("stream", Key(stream))) ?? 0);
}
