using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Myelin.Storage.Engines;

/// <summary>
/// How stores reach the database: reads on a pooled connection, writes as one transaction each.
/// A write's task completes only after its transaction committed (durability before acknowledgement).
/// </summary>
internal abstract class StorageEngine : IAsyncDisposable
{
    protected StorageEngine(SqlDialect dialect) => Dialect = dialect;

    public SqlDialect Dialect { get; }

    /// <summary>Receives (kind "read"/"write", store operation, seconds) for every database operation: the host turns it into metrics.</summary>
    public Action<string, string, double>? Timing { get; set; }

    /// <summary>Runs <paramref name="work"/> on a read connection (no transaction).</summary>
    public async Task<T> ReadAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await OpenReadConnectionAsync(cancellationToken);
            return await work(new DbSession(connection, null, cancellationToken));
        }
        finally
        {
            Timing?.Invoke("read", operation, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>Runs <paramref name="work"/> inside one write transaction and returns once it is committed.</summary>
    public async Task<T> WriteAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await WriteCoreAsync(work, cancellationToken);
        }
        finally
        {
            Timing?.Invoke("write", operation, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>The engine's way of running one write transaction.</summary>
    protected abstract Task<T> WriteCoreAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken);

    protected abstract Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
