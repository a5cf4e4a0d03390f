using Myelin.Storage.Tests.Infrastructure;
using Myelin.Storage.Users;

namespace Myelin.Storage.Tests.Migrations;

public abstract class DatabaseLifecycleTests : StorageTestBase
{
    [Fact]
    public async Task Migrations_are_recorded_in_the_schema_table()
    {
        Assert.True(Db.SchemaVersion >= 1);
        Assert.Equal(Engine, Db.Engine);
        Assert.Equal((long)Db.SchemaVersion, Convert.ToInt64(await Test.ScalarAsync("SELECT MAX(version) FROM schema_version"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("initial", await Test.ScalarAsync("SELECT name FROM schema_version WHERE version = 1"));
    }

    [Fact]
    public async Task Reopening_applies_nothing_twice_and_keeps_data()
    {
        var alice = Ids.User("alice");
        await Db.Users.CreateAsync(new NewUser(alice, "hash", 7));
        await Db.AccessTokens.AddAsync("token", alice, Ids.Device("D"), 7);
        long rows = await Test.CountRowsAsync("schema_version");

        var reopened = await Test.ReopenAsync();

        Assert.Equal(rows, await Test.CountRowsAsync("schema_version"));
        Assert.Equal("hash", (await reopened.Users.GetAsync(alice))!.PasswordHash);
        Assert.Equal(alice, (await reopened.AccessTokens.GetAsync("token"))!.UserId);
    }

    [Fact]
    public async Task A_schema_newer_than_the_code_is_refused_with_a_clear_message()
    {
        int codeVersion = Db.SchemaVersion;
        await Db.DisposeAsync();
        await Test.ScalarAsync($"INSERT INTO schema_version (version, name, applied_ts) VALUES ({codeVersion + 5}, 'from_the_future', 0)");

        var ex = await Assert.ThrowsAsync<DatabaseSchemaTooNewException>(() => MyelinDatabase.OpenAsync(Test.Options));

        Assert.Equal(codeVersion + 5, ex.DatabaseVersion);
        Assert.Equal(codeVersion, ex.CodeVersion);
        Assert.Contains($"version {codeVersion + 5}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("newer Myelin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_parallel_writers_all_succeed()
    {
        // SQLite: every write goes through the one writer queue, so none fails with "database is locked".
        var tasks = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var user = Ids.User($"user{i}");
            Assert.True(await Db.Users.CreateAsync(new NewUser(user, "h", i)));
            await Db.Devices.CreateAsync(user, Ids.Device("D"), null, i);
            await Db.AccessTokens.AddAsync($"token{i}", user, Ids.Device("D"), i);
            Assert.NotNull(await Db.AccessTokens.GetAsync($"token{i}"));
        }));
        await Task.WhenAll(tasks);

        Assert.Equal(200, await Db.Users.CountAsync());
        Assert.Equal(200, await Test.CountRowsAsync("access_tokens"));
        // Each device creation took one device-lists position, none lost or duplicated.
        Assert.Equal(200, (await Db.Streams.GetCurrentAsync(Streams.StreamName.DeviceLists)).Value);
    }

    [Fact]
    public async Task A_cancelled_write_does_not_happen()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Db.Users.CreateAsync(new NewUser(Ids.User("x"), "h", 1), cts.Token));
        Assert.False(await Db.Users.ExistsAsync(Ids.User("x")));
    }
}

public sealed class DatabaseLifecycleTests_Sqlite : DatabaseLifecycleTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class DatabaseLifecycleTests_Postgres : DatabaseLifecycleTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
