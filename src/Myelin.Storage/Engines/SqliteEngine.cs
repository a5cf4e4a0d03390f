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

    private readonly int _maxBatch;

    private SqliteEngine(SqliteConnection writer, string readConnectionString, int maxBatch)
        : base(SqlDialect.Sqlite)
    {
        _maxBatch = maxBatch;
        _writer = writer;
        _readConnectionString = readConnectionString;
        _writerLoop = Task.Run(RunWriterAsync);
    }

    /// <param name="maxBatch">The most queued writes committed in one transaction; 1 turns group commit off (benchmarks compare both).</param>
    public static async Task<SqliteEngine> OpenAsync(string path, CancellationToken cancellationToken, int maxBatch = DefaultMaxBatch)
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
        return new SqliteEngine(writer, readConnectionString, maxBatch);
    }

    protected override Task<T> WriteCoreAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken)
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

    /// <summary>The most queued writes committed together in one transaction.</summary>
    public const int DefaultMaxBatch = 64;

    /// <summary>
    /// The single writer. Writes that queued up while the previous commit ran are committed together (group commit):
    /// one fsync for the batch instead of one per write. Each write runs inside its own savepoint, so a failing write
    /// is rolled back alone and the others still commit; nobody is told "done" before the batch's COMMIT returns.
    /// </summary>
    private async Task RunWriterAsync()
    {
        var batch = new List<WriteItem>(_maxBatch);
        var succeeded = new List<WriteItem>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var queued))
            {
                if (queued.CancellationToken.IsCancellationRequested)
                {
                    queued.Cancel();
                    continue;
                }
                batch.Add(queued);
            }
            if (batch.Count == 0)
            {
                continue;
            }

            succeeded.Clear();
            var transaction = _writer.BeginTransaction(deferred: false);
            try
            {
                bool savepoints = batch.Count > 1;
                foreach (var item in batch)
                {
                    await RunOneAsync(item, transaction, savepoints, succeeded);
                }
                transaction.Commit();
                foreach (var item in succeeded)
                {
                    item.Complete();
                }
            }
            catch (Exception ex)
            {
                // The batch itself failed (e.g. COMMIT on a full disk): nothing in it is committed.
                try
                {
                    transaction.Rollback();
                }
                catch (SqliteException)
                {
                    // SQLite may already have rolled back (e.g. after SQLITE_FULL); the original error is what matters.
                }
                foreach (var item in batch)
                {
                    item.Fail(ex); // no-op for writes that already failed on their own
                }
            }
            finally
            {
                transaction.Dispose();
            }
        }
    }

    private async Task RunOneAsync(WriteItem item, SqliteTransaction transaction, bool savepoint, List<WriteItem> succeeded)
    {
        if (savepoint)
        {
            transaction.Save("w");
        }
        try
        {
            await item.RunAsync(new DbSession(_writer, transaction, item.CancellationToken));
            if (savepoint)
            {
                transaction.Release("w");
            }
            succeeded.Add(item);
        }
        catch (Exception ex) when (savepoint && ex is not SqliteException { SqliteErrorCode: 13 /* SQLITE_FULL */ })
        {
            transaction.Rollback("w");
            transaction.Release("w");
            item.Fail(ex);
        }
        catch (Exception ex) when (!savepoint)
        {
            item.Fail(ex);
            throw;
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
