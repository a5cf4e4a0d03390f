using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Myelin.Storage.Tests.Infrastructure;

/// <summary>
/// A fresh, isolated database for one test: a new SQLite file in a temp directory, or a new
/// PostgreSQL database (<c>myelin_test_&lt;random&gt;</c>) on the server in <c>MYELIN_TEST_POSTGRES</c>.
/// Dropped/deleted on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private const string PostgresVariable = "MYELIN_TEST_POSTGRES";
    private readonly string? _tempDirectory;
    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private TestDatabase(DatabaseOptions options, string? tempDirectory, string? adminConnectionString, string? databaseName)
    {
        Options = options;
        _tempDirectory = tempDirectory;
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
    }

    public DatabaseOptions Options { get; }
    public MyelinDatabase Database { get; private set; } = null!;

    public static async Task<TestDatabase> CreateAsync(DatabaseEngineKind engine, int stateSnapshotInterval = 100, bool open = true)
    {
        TestDatabase test;
        if (engine == DatabaseEngineKind.Sqlite)
        {
            string dir = Path.Combine(Path.GetTempPath(), "myelin-storage-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            test = new TestDatabase(
                new DatabaseOptions { Name = "sqlite", Path = Path.Combine(dir, "homeserver.db"), StateSnapshotInterval = stateSnapshotInterval },
                dir, null, null);
        }
        else
        {
            string admin = AdminConnectionString();
            string name = "myelin_test_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await create.ExecuteNonQueryAsync();
            }
            var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
            test = new TestDatabase(
                new DatabaseOptions { Name = "postgres", ConnectionString = builder.ConnectionString, StateSnapshotInterval = stateSnapshotInterval },
                null, admin, name);
        }
        if (open)
        {
            await test.OpenAsync();
        }
        return test;
    }

    public async Task<MyelinDatabase> OpenAsync()
    {
        Database = await MyelinDatabase.OpenAsync(Options);
        return Database;
    }

    /// <summary>Closes and reopens the database, as a server restart would.</summary>
    public async Task<MyelinDatabase> ReopenAsync()
    {
        await Database.DisposeAsync();
        return await OpenAsync();
    }

    /// <summary>Runs raw SQL outside the stores (to inspect row counts or tamper with the schema table).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using DbConnection connection = Options.Engine == DatabaseEngineKind.Sqlite
            ? new SqliteConnection($"Data Source={Options.Path};Pooling=False")
            : new NpgsqlConnection(Options.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    public async Task<long> CountRowsAsync(string table) => Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM {table}"), System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
        if (_tempDirectory is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_tempDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Another test's pooled handle may still be closing; the temp dir is cleaned by the OS eventually.
            }
        }
        if (_adminConnectionString is not null)
        {
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static string AdminConnectionString()
    {
        string? value = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            // A silently skipped engine would hide PostgreSQL regressions: fail loudly instead.
            throw new InvalidOperationException(
                $"{PostgresVariable} is not set, so the PostgreSQL variant of the storage tests cannot run. " +
                "Run the suite through scripts/test.sh (which starts a throwaway PostgreSQL), or set " +
                $"{PostgresVariable} to an Npgsql connection string for a superuser (e.g. Host=127.0.0.1;Port=5432;Username=myelin;Database=postgres).");
        }
        return value;
    }
}
