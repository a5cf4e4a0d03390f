using Myelin.Server.Configuration;
using Npgsql;

namespace Myelin.Server.Tests.Support;

/// <summary>The engines every storage-backed test runs on.</summary>
public enum TestEngine
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A fresh, empty database for one test host: a SQLite file in a temp directory, or a new database on the
/// PostgreSQL server named by <c>MYELIN_TEST_POSTGRES</c> (scripts/test.sh starts one). A missing PostgreSQL
/// fails the test rather than skipping it: an engine silently untested is a defect.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _postgresAdmin;
    private readonly string? _postgresName;

    private TestDatabase(DatabaseConfig config, string directory, string? postgresAdmin, string? postgresName)
    {
        Config = config;
        Directory = directory;
        _postgresAdmin = postgresAdmin;
        _postgresName = postgresName;
    }

    public DatabaseConfig Config { get; }

    /// <summary>A temp directory owned by this database (signing key, media, the SQLite file).</summary>
    public string Directory { get; }

    public static async Task<TestDatabase> CreateAsync(TestEngine engine)
    {
        string directory = Path.Combine(Path.GetTempPath(), "myelin-test-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        if (engine == TestEngine.Sqlite)
        {
            return new TestDatabase(DatabaseConfig.Sqlite(Path.Combine(directory, "homeserver.db")), directory, null, null);
        }

        string admin = Environment.GetEnvironmentVariable("MYELIN_TEST_POSTGRES")
            ?? throw new InvalidOperationException(
                "MYELIN_TEST_POSTGRES is not set: run the suite with scripts/test.sh, which starts a throwaway PostgreSQL.");
        string name = "myelin_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(DatabaseConfig.Postgres(builder.ConnectionString), directory, admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresAdmin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_postgresAdmin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the temp dir is cleaned by the OS later.
        }
    }
}
