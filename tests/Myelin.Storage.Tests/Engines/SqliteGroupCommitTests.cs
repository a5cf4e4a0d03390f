using Myelin.Storage.Engines;

namespace Myelin.Storage.Tests.Engines;

/// <summary>
/// The SQLite writer commits queued writes together; each write must still succeed or fail on its own.
/// </summary>
public sealed class SqliteGroupCommitTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "myelin-gc-" + Guid.NewGuid().ToString("N")[..8]);
    private SqliteEngine _engine = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _engine = await SqliteEngine.OpenAsync(Path.Combine(_directory, "t.db"), CancellationToken.None);
        await _engine.WriteAsync(db => db.ExecuteAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_failing_write_in_a_batch_rolls_back_alone()
    {
        // Queue many writes at once so they share batches; every 7th inserts a row and then fails.
        var writes = Enumerable.Range(1, 200).Select(i => _engine.WriteAsync(async db =>
        {
            await db.ExecuteAsync("INSERT INTO t (id, v) VALUES (@id, 'x')", ("id", i));
            if (i % 7 == 0)
            {
                throw new InvalidOperationException($"write {i} fails");
            }
            return i;
        }, CancellationToken.None)).ToArray();

        for (int i = 1; i <= 200; i++)
        {
            if (i % 7 == 0)
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[i - 1]);
                Assert.Equal($"write {i} fails", error.Message);
            }
            else
            {
                Assert.Equal(i, await writes[i - 1]);
            }
        }

        var ids = await _engine.ReadAsync(db => db.QueryAsync("SELECT id FROM t ORDER BY id", r => r.GetInt64(0)), CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 200).Where(i => i % 7 != 0).Select(i => (long)i), ids);
    }

    [Fact]
    public async Task A_committed_write_survives_reopening()
    {
        await _engine.WriteAsync(db => db.ExecuteAsync("INSERT INTO t (id, v) VALUES (1, 'kept')"), CancellationToken.None);
        await _engine.DisposeAsync();
        _engine = await SqliteEngine.OpenAsync(Path.Combine(_directory, "t.db"), CancellationToken.None);
        Assert.Equal("kept", await _engine.ReadAsync(db => db.ScalarAsync("SELECT v FROM t WHERE id = 1"), CancellationToken.None));
    }
}
