namespace Myelin.Storage.Engines;

/// <summary>
/// The few places where SQLite and PostgreSQL differ in the SQL the stores run. Everything else
/// (<c>@name</c> parameters, <c>ON CONFLICT ... DO UPDATE</c>, <c>RETURNING</c>, recursive CTEs,
/// row-value comparisons) is written once and runs on both. DDL differs too, and lives in the
/// per-engine migration scripts.
/// </summary>
internal sealed class SqlDialect
{
    public static readonly SqlDialect Sqlite = new()
    {
        Kind = DatabaseEngineKind.Sqlite,
        MigrationsFolder = "Sqlite",
        // The single writer connection already excludes every other writer.
        MigrationLockSql = null,
    };

    public static readonly SqlDialect Postgres = new()
    {
        Kind = DatabaseEngineKind.Postgres,
        MigrationsFolder = "Postgres",
        // Several processes may start against one database; only one migrates at a time.
        MigrationLockSql = "SELECT pg_advisory_xact_lock(4242424242)",
    };

    private SqlDialect()
    {
    }

    public required DatabaseEngineKind Kind { get; init; }

    /// <summary>The folder under <c>Migrations/</c> holding this engine's numbered scripts.</summary>
    public required string MigrationsFolder { get; init; }

    /// <summary>A statement run first in the migration transaction to exclude concurrent migrators.</summary>
    public string? MigrationLockSql { get; init; }
}
