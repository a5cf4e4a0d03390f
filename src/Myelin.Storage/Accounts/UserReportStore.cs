using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Accounts;

internal sealed class UserReportStore(StorageEngine engine) : IUserReportStore
{
    public Task<long> AddAsync(UserId reporter, UserId target, string reason, long receivedTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ScalarInt64Async(
            "INSERT INTO user_reports (reporter, target_user, reason, received_ts) VALUES (@reporter, @target, @reason, @ts) RETURNING id",
            ("reporter", reporter.Value), ("target", target.Value), ("reason", reason), ("ts", receivedTs)) ?? 0, cancellationToken);

    public Task<IReadOnlyList<UserReport>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return engine.ReadAsync<IReadOnlyList<UserReport>>(async db => await db.QueryAsync(
            "SELECT id, reporter, target_user, reason, received_ts FROM user_reports ORDER BY id DESC LIMIT @limit",
            r => new UserReport(r.GetInt64(0), UserId.Parse(r.GetString(1)), UserId.Parse(r.GetString(2)), r.GetString(3), r.GetInt64(4)),
            ("limit", (long)limit)), cancellationToken);
    }
}
