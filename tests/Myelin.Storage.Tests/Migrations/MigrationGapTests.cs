using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Migrations;

/// <summary>
/// Migration numbers are reserved per feature branch, so a lower-numbered script can land after a higher one was applied:
/// it must still run (a script is pending when schema_version does not list it).
/// </summary>
public abstract class MigrationGapTests : StorageTestBase
{
    [Fact]
    public async Task A_script_missing_from_schema_version_is_applied_even_below_the_highest_version()
    {
        int version = Db.SchemaVersion;
        Assert.True(version >= 12);
        // As if 0012 had not existed when this database was last migrated.
        await Test.ScalarAsync("DROP TABLE push_queue");
        await Test.ScalarAsync("DROP TABLE user_notifications");
        await Test.ScalarAsync("DROP TABLE pushers");
        await Test.ScalarAsync("DELETE FROM schema_version WHERE version = 12");

        await Test.ReopenAsync();
        Assert.Equal(version, Db.SchemaVersion);
        Assert.Empty(await Db.Pushers.GetForUserAsync(Ids.User("alice")));
        Assert.Equal(1L, Convert.ToInt64(await Test.ScalarAsync("SELECT COUNT(*) FROM schema_version WHERE version = 12"), System.Globalization.CultureInfo.InvariantCulture));
        // Reopening again applies nothing twice.
        long rows = await Test.CountRowsAsync("schema_version");
        await Test.ReopenAsync();
        Assert.Equal(rows, await Test.CountRowsAsync("schema_version"));
    }
}

public sealed class MigrationGapTests_Sqlite : MigrationGapTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class MigrationGapTests_Postgres : MigrationGapTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
