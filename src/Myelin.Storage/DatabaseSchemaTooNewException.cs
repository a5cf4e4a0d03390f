namespace Myelin.Storage;

/// <summary>
/// Thrown at start-up when the database was migrated by a newer Myelin than this one: running
/// older code against a newer schema could corrupt data, so we refuse instead.
/// </summary>
public sealed class DatabaseSchemaTooNewException : Exception
{
    public DatabaseSchemaTooNewException(int databaseVersion, int codeVersion)
        : base($"The database schema is at version {databaseVersion}, but this version of Myelin only knows schema versions up to {codeVersion}. " +
               "It was upgraded by a newer Myelin; run that version (or restore a backup taken before the upgrade).")
    {
        DatabaseVersion = databaseVersion;
        CodeVersion = codeVersion;
    }

    public int DatabaseVersion { get; }
    public int CodeVersion { get; }
}
