using System.Globalization;
using Npgsql;

namespace Myelin.Storage;

/// <summary>
/// Which engine to open and where. Mirrors Synapse's <c>database:</c> section: <see cref="Name"/> is
/// <c>sqlite</c> (alias <c>sqlite3</c>) or <c>postgres</c> (aliases <c>psycopg2</c>, <c>postgresql</c>);
/// SQLite takes a file <see cref="Path"/>; PostgreSQL takes a <see cref="ConnectionString"/> or the
/// Synapse-style <see cref="User"/>/<see cref="Password"/>/<see cref="Database"/>/<see cref="Host"/>/<see cref="Port"/>.
/// </summary>
public sealed class DatabaseOptions
{
    /// <summary>The engine name: <c>sqlite</c>, <c>sqlite3</c>, <c>postgres</c>, <c>postgresql</c> or <c>psycopg2</c>.</summary>
    public string Name { get; set; } = "sqlite";

    /// <summary>SQLite: the database file (created if missing).</summary>
    public string? Path { get; set; }

    /// <summary>PostgreSQL: a full Npgsql connection string; when set, the discrete fields below are ignored.</summary>
    public string? ConnectionString { get; set; }

    public string? User { get; set; }
    public string? Password { get; set; }
    public string? Database { get; set; }
    public string? Host { get; set; }
    public int? Port { get; set; }

    /// <summary>PostgreSQL pool bounds (Synapse's <c>cp_min</c>/<c>cp_max</c>).</summary>
    public int? MinPoolSize { get; set; }
    public int? MaxPoolSize { get; set; }

    /// <summary>A state group is stored as a full snapshot after this many chained deltas, bounding read cost.</summary>
    public int StateSnapshotInterval { get; set; } = 100;

    public DatabaseEngineKind Engine => ParseEngine(Name);

    public static DatabaseEngineKind ParseEngine(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "sqlite" or "sqlite3" => DatabaseEngineKind.Sqlite,
        "postgres" or "postgresql" or "psycopg2" => DatabaseEngineKind.Postgres,
        _ => throw new ArgumentException(
            $"Unknown database engine '{name}'. Use 'sqlite' (or 'sqlite3') or 'postgres' (or 'psycopg2').", nameof(name)),
    };

    /// <summary>
    /// Builds options from Synapse's <c>database: {name, args}</c> shape. For SQLite <c>args.database</c>
    /// is the file path; for PostgreSQL the keys are <c>user</c>, <c>password</c>, <c>database</c>
    /// (or <c>dbname</c>), <c>host</c>, <c>port</c>, <c>cp_min</c>, <c>cp_max</c>, or <c>connection_string</c>.
    /// </summary>
    public static DatabaseOptions FromSynapseConfig(string name, IReadOnlyDictionary<string, string?> args)
    {
        var options = new DatabaseOptions { Name = name };
        string? Arg(string key) => args.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value : null;
        int? IntArg(string key)
        {
            string? value = Arg(key);
            if (value is null)
            {
                return null;
            }
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed)
                ? parsed
                : throw new ArgumentException($"database.args.{key} must be an integer, got '{value}'.", nameof(args));
        }

        if (options.Engine == DatabaseEngineKind.Sqlite)
        {
            options.Path = Arg("database") ?? Arg("path");
        }
        else
        {
            options.ConnectionString = Arg("connection_string");
            options.User = Arg("user");
            options.Password = Arg("password");
            options.Database = Arg("database") ?? Arg("dbname");
            options.Host = Arg("host");
            options.Port = IntArg("port");
            options.MinPoolSize = IntArg("cp_min");
            options.MaxPoolSize = IntArg("cp_max");
        }
        return options;
    }

    internal string SqlitePath()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("database.args.database (the SQLite file path) is required for the sqlite engine.");
        }
        if (Path.Trim() == ":memory:")
        {
            throw new ArgumentException("An in-memory SQLite database is not supported: readers and the writer use separate connections. Give a file path.");
        }
        return Path;
    }

    internal string PostgresConnectionString()
    {
        NpgsqlConnectionStringBuilder builder;
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(Database))
            {
                throw new ArgumentException("database.args.database is required for the postgres engine (or give a connection_string).");
            }
            builder = new NpgsqlConnectionStringBuilder
            {
                Host = string.IsNullOrWhiteSpace(Host) ? "localhost" : Host,
                Port = Port ?? 5432,
                Database = Database,
                Username = User,
                Password = Password,
            };
        }
        if (MinPoolSize is { } min)
        {
            builder.MinPoolSize = min;
        }
        if (MaxPoolSize is { } max)
        {
            builder.MaxPoolSize = max;
        }
        return builder.ConnectionString;
    }
}
