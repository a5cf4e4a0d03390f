using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Myelin.Storage.Engines;

/// <summary>
/// SQLite in WAL mode with ONE writer: every write transaction is queued on a channel and run in
/// order on a single writer connection, so concurrent writers never see "database is locked".
/// Readers use their own pooled read-only connections and never block the writer (WAL).
/// </summary>
internal sealed class SqliteEngine : StorageEngine
{
    private readonly string _readConnectionString;
    private readonly SqliteConnection _writer;
    private readonly Channel<WriteItem> _queue = Channel.CreateUnbounded<WriteItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writerLoop;

    private SqliteEngine(SqliteConnection writer, string readConnectionString)
        : base(SqlDialect.Sqlite)
    {
        _writer = writer;
        _readConnectionString = readConnectionString;
        _writerLoop = Task.Run(RunWriterAsync);
    }

    public static async Task<SqliteEngine> OpenAsync(string path, CancellationToken cancellationToken)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        var writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        var readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
        }.ToString();

        var writer = new SqliteConnection(writeConnectionString);
        await writer.OpenAsync(cancellationToken);
        // WAL lets readers run beside the writer; FULL sync so a committed write survives power loss
        // (a 200 means committed); busy_timeout covers another process briefly holding the file.
        await using (var pragma = writer.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=OFF;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
        return new SqliteEngine(writer, readConnectionString);
    }

    public override Task<T> WriteAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var item = new WriteItem<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(MyelinDatabase), "The database has been closed.");
        }
        return item.Completion.Task;
    }

    protected override async Task<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task RunWriterAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync())
        {
            if (item.CancellationToken.IsCancellationRequested)
            {
                item.Cancel();
                continue;
            }
            var transaction = _writer.BeginTransaction(deferred: false);
            try
            {
                await item.RunAsync(new DbSession(_writer, transaction, item.CancellationToken));
                transaction.Commit();
                item.Complete();
            }
            catch (Exception ex)
            {
                try
                {
                    transaction.Rollback();
                }
                catch (SqliteException)
                {
                    // SQLite may already have rolled back (e.g. after SQLITE_FULL); the original error is what matters.
                }
                item.Fail(ex);
            }
            finally
            {
                transaction.Dispose();
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writerLoop;
        await _writer.DisposeAsync();
        using var pooled = new SqliteConnection(_readConnectionString);
        SqliteConnection.ClearPool(pooled);
    }

    private abstract class WriteItem
    {
        protected WriteItem(CancellationToken cancellationToken) => CancellationToken = cancellationToken;

        public CancellationToken CancellationToken { get; }
        public abstract Task RunAsync(DbSession session);
        public abstract void Complete();
        public abstract void Fail(Exception exception);
        public abstract void Cancel();
    }

    private sealed class WriteItem<T> : WriteItem
    {
        private readonly Func<DbSession, Task<T>> _work;
        private T? _result;

        public WriteItem(Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
            : base(cancellationToken) => _work = work;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task RunAsync(DbSession session) => _result = await _work(session);
        public override void Complete() => Completion.TrySetResult(_result!);
        public override void Fail(Exception exception) => Completion.TrySetException(exception);
        public override void Cancel() => Completion.TrySetCanceled(CancellationToken);
    }
}
