using BenchmarkDotNet.Attributes;
using Myelin.Storage.Engines;

namespace Myelin.Benchmarks;

/// <summary>
/// The SQLite writer queue with and without group commit: 1,000 small writes issued by N concurrent writers,
/// each awaited (as a send awaits its event's commit). MaxBatch = 1 is one transaction (and one fsync) per write.
/// </summary>
[MemoryDiagnoser]
public class SqliteGroupCommitBenchmarks
{
    private string _directory = "";
    private SqliteEngine _engine = null!;
    private int _next;

    [Params(1, 64)]
    public int MaxBatch { get; set; }

    [Params(1, 16)]
    public int Writers { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "myelin-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        _engine = await SqliteEngine.OpenAsync(Path.Combine(_directory, "bench.db"), CancellationToken.None, MaxBatch);
        await _engine.WriteAsync(db => db.ExecuteAsync("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)"), CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = 1000)]
    public async Task ThousandWrites()
    {
        var payload = new byte[1024];
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(async _ =>
        {
            for (int i = 0; i < 1000 / Writers; i++)
            {
                int id = Interlocked.Increment(ref _next);
                await _engine.WriteAsync(db => db.ExecuteAsync("INSERT INTO t (id, v) VALUES (@id, @v)", ("id", id), ("v", payload)), CancellationToken.None);
            }
        }));
    }
}
