using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Filters;

internal sealed class FilterStore(StorageEngine engine) : IFilterStore
{
    public Task<long> AddAsync(UserId userId, string filterJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filterJson);
        // The same filter uploaded twice gets its existing ID back (clients upload on every start).
        return engine.WriteAsync(async db =>
        {
            if (await db.ScalarInt64Async(
                "SELECT filter_id FROM filters WHERE user_id = @user_id AND json = @json ORDER BY filter_id LIMIT 1",
                ("user_id", userId.Value), ("json", filterJson)) is { } existing)
            {
                return existing;
            }
            return await db.ScalarInt64Async(
                "INSERT INTO filters (user_id, filter_id, json) " +
                "SELECT @user_id, COALESCE(MAX(filter_id) + 1, 0), @json FROM filters WHERE user_id = @user_id RETURNING filter_id",
                ("user_id", userId.Value), ("json", filterJson)) ?? throw new InvalidOperationException("INSERT ... RETURNING filter_id returned nothing.");
        }, cancellationToken);
    }

    public Task<string?> GetAsync(UserId userId, long filterId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarAsync(
            "SELECT json FROM filters WHERE user_id = @user_id AND filter_id = @filter_id",
            ("user_id", userId.Value), ("filter_id", filterId)) as string, cancellationToken);
}
