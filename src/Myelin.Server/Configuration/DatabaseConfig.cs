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
}
