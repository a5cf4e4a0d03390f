namespace Myelin.Storage;

/// <summary>The storage engines Myelin runs on.</summary>
public enum DatabaseEngineKind
{
    /// <summary>Embedded SQLite file (the default; no setup).</summary>
    Sqlite,

    /// <summary>PostgreSQL (production, and for several processes sharing one database).</summary>
    Postgres,
}
