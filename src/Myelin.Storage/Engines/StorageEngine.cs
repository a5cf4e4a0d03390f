using System.Data.Common;

namespace Myelin.Storage.Engines;

/// <summary>
/// How stores reach the database: reads on a pooled connection, writes as one transaction each.
/// A write's task completes only after its transaction committed (durability before acknowledgement).
/// </summary>
internal abstract class StorageEngine : IAsyncDisposable
{
    protected StorageEngine(SqlDialect dialect) => Dialect = dialect;

    public SqlDialect Dialect { get; }

    /// <summary>Runs <paramref name="work"/> on a read connection (no transaction).</summary>
    public async Task<T> ReadAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        return await work(new DbSession(connection, null, cancellationToken));
    }

    /// <summary>Runs <paramref name="work"/> inside one write transaction and commits it.</summary>
    public abstract Task<T> WriteAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken);

    protected abstract Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
