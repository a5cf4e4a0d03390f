using Myelin.Storage;

namespace Myelin.Server.Configuration;

/// <summary>Which database engine holds the homeserver's data (Synapse's <c>database</c> section).</summary>
public enum DatabaseEngine
{
    /// <summary>Synapse's <c>sqlite3</c>: an embedded file, zero setup.</summary>
    Sqlite,

    /// <summary>Synapse's <c>psycopg2</c>: PostgreSQL, for production.</summary>
    Postgres,
}

/// <summary>The database section. For SQLite, <see cref="SqlitePath"/>; for PostgreSQL, <see cref="PostgresConnectionString"/>.</summary>
public sealed record DatabaseConfig
{
    public DatabaseEngine Engine { get; init; } = DatabaseEngine.Sqlite;

    /// <summary>Absolute path of the SQLite database file.</summary>
    public string SqlitePath { get; init; } = "homeserver.db";

    /// <summary>An Npgsql connection string built from <c>args</c> (user, password, database, host, port, cp_min, cp_max).</summary>
    public string? PostgresConnectionString { get; init; }

    public static DatabaseConfig Sqlite(string path) => new() { Engine = DatabaseEngine.Sqlite, SqlitePath = path };

    public static DatabaseConfig Postgres(string connectionString) => new() { Engine = DatabaseEngine.Postgres, PostgresConnectionString = connectionString };

    /// <summary>The storage layer's options for <see cref="MyelinDatabase.OpenAsync"/>.</summary>
    public DatabaseOptions ToStorageOptions() => Engine switch
    {
        DatabaseEngine.Sqlite => new DatabaseOptions { Name = "sqlite", Path = SqlitePath },
        _ => new DatabaseOptions { Name = "postgres", ConnectionString = PostgresConnectionString },
    };

    /// <summary>
    /// Opens (creating and migrating as needed) the configured database; for SQLite the file's directory is
    /// created first. Problems that an admin must fix are reported as <see cref="ConfigException"/>.
    /// </summary>
    public async Task<MyelinDatabase> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (Engine == DatabaseEngine.Sqlite && Path.GetDirectoryName(Path.GetFullPath(SqlitePath)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        try
        {
            return await MyelinDatabase.OpenAsync(ToStorageOptions(), cancellationToken);
        }
        catch (DatabaseSchemaTooNewException e)
        {
            throw new ConfigException($"The database was created by a newer Myelin: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"Invalid database settings: {e.Message}", e);
        }
        catch (Npgsql.NpgsqlException e)
        {
            throw new ConfigException($"Cannot connect to PostgreSQL: {e.Message}", e);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new ConfigException($"Cannot open the SQLite database {SqlitePath}: {e.Message}", e);
        }
    }
}
