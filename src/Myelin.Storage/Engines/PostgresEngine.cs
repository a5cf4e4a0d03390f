using System.Data;
using System.Data.Common;
using Npgsql;

namespace Myelin.Storage.Engines;

/// <summary>PostgreSQL over a pooled <see cref="NpgsqlDataSource"/>; writers run concurrently, each in its own transaction.</summary>
internal sealed class PostgresEngine : StorageEngine
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresEngine(string connectionString)
        : base(SqlDialect.Postgres)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    protected override async Task<T> WriteCoreAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        T result = await work(new DbSession(connection, transaction, cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    protected override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
