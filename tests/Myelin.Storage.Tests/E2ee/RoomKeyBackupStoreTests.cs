using Myelin.Protocol.Identifiers;
using Myelin.Storage.E2ee;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.E2ee;

public abstract class RoomKeyBackupStoreTests : StorageTestBase
{
    private static readonly UserId Alice = Ids.User("alice");

    private static RoomKeyBackupEntry Key(string session, long index, long forwarded, bool verified, string data) =>
        new("!r:example.org", session, index, forwarded, verified, data);

    [Fact]
    public async Task Versions_are_numbered_per_user_and_never_reused()
    {
        long v1 = await Db.RoomKeyBackups.CreateVersionAsync(Alice, "alg", "{}");
        long v2 = await Db.RoomKeyBackups.CreateVersionAsync(Alice, "alg", "{\"k\":1}");
        Assert.Equal(v2, (await Db.RoomKeyBackups.GetVersionAsync(Alice, null))!.Version);
        Assert.True(await Db.RoomKeyBackups.DeleteVersionAsync(Alice, v2));
        Assert.False(await Db.RoomKeyBackups.DeleteVersionAsync(Alice, v2));
        Assert.Equal(v1, (await Db.RoomKeyBackups.GetVersionAsync(Alice, null))!.Version);
        Assert.Null(await Db.RoomKeyBackups.GetVersionAsync(Alice, v2));
        Assert.True(await Db.RoomKeyBackups.CreateVersionAsync(Alice, "alg", "{}") > v2);
        Assert.True(await Db.RoomKeyBackups.UpdateVersionAsync(Alice, v1, "{\"k\":2}"));
        Assert.Equal("{\"k\":2}", (await Db.RoomKeyBackups.GetVersionAsync(Alice, v1))!.AuthDataJson);
        Assert.Null(await Db.RoomKeyBackups.GetVersionAsync(Ids.User("bob"), null));
    }

    [Fact]
    public async Task Concurrent_version_creations_get_distinct_numbers()
    {
        var versions = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Db.RoomKeyBackups.CreateVersionAsync(Alice, "alg", "{}"))));
        Assert.Equal(20, versions.Distinct().Count());
        Assert.Equal(versions.Max(), (await Db.RoomKeyBackups.GetVersionAsync(Alice, null))!.Version);
    }

    [Fact]
    public async Task Keys_are_replaced_only_by_better_ones_and_the_etag_follows_changes()
    {
        long v = await Db.RoomKeyBackups.CreateVersionAsync(Alice, "alg", "{}");
        var (count, etag) = await Db.RoomKeyBackups.PutKeysAsync(Alice, v, [Key("s", 3, 1, false, "{\"n\":1}")]);
        Assert.Equal(1, count);
        Assert.Equal((1L, etag), await Db.RoomKeyBackups.PutKeysAsync(Alice, v, [Key("s", 4, 0, false, "{\"n\":2}")]));
        var (_, etag2) = await Db.RoomKeyBackups.PutKeysAsync(Alice, v, [Key("s", 3, 0, false, "{\"n\":3}")]);
        Assert.NotEqual(etag, etag2);
        await Db.RoomKeyBackups.PutKeysAsync(Alice, v, [Key("s", 10, 10, true, "{\"n\":4}"), Key("t", 0, 0, false, "{}")]);
        await Db.RoomKeyBackups.PutKeysAsync(Alice, v, [Key("s", 0, 0, false, "{\"n\":5}")]);
        var keys = await Db.RoomKeyBackups.GetKeysAsync(Alice, v, "!r:example.org", "s");
        Assert.Equal("{\"n\":4}", Assert.Single(keys).SessionDataJson);
        Assert.Equal(2, (await Db.RoomKeyBackups.GetKeysAsync(Alice, v, null, null)).Count);
        Assert.Equal(1, (await Db.RoomKeyBackups.DeleteKeysAsync(Alice, v, "!r:example.org", "s")).Count);
        Assert.True(await Db.RoomKeyBackups.DeleteVersionAsync(Alice, v));
        Assert.Empty(await Db.RoomKeyBackups.GetKeysAsync(Alice, v, null, null));
    }
}

public sealed class RoomKeyBackupStoreTests_Sqlite : RoomKeyBackupStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class RoomKeyBackupStoreTests_Postgres : RoomKeyBackupStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
