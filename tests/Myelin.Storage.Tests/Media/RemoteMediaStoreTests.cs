using Myelin.Protocol.Identifiers;
using Myelin.Storage.Media;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Media;

public abstract class RemoteMediaStoreTests : StorageTestBase
{
    private static readonly ServerName Remote = ServerName.Parse("remote.example:8448");

    private static RemoteMedia Item(RemoteMediaKey key, long size, string sha, long accessTs) =>
        new(key, "image/png", "cat.png", size, sha, accessTs, accessTs);

    [Fact]
    public async Task Originals_and_thumbnails_are_separate_entries_and_round_trip()
    {
        var original = RemoteMediaKey.Original(Remote, "abc");
        var thumbnail = RemoteMediaKey.Thumbnail(Remote, "abc", 32, 32, "crop");
        await Db.RemoteMedia.PutAsync(Item(original, 100, "sha-original", 10));
        await Db.RemoteMedia.PutAsync(new RemoteMedia(thumbnail, "image/jpeg", null, 7, "sha-thumb", 11, 11));

        Assert.Equal(Item(original, 100, "sha-original", 10), await Db.RemoteMedia.GetAsync(original));
        Assert.Equal(new RemoteMedia(thumbnail, "image/jpeg", null, 7, "sha-thumb", 11, 11), await Db.RemoteMedia.GetAsync(thumbnail));
        Assert.Null(await Db.RemoteMedia.GetAsync(RemoteMediaKey.Thumbnail(Remote, "abc", 32, 32, "scale")));
        Assert.Null(await Db.RemoteMedia.GetAsync(RemoteMediaKey.Original(ServerName.Parse("other.example"), "abc")));
        Assert.Equal(107, await Db.RemoteMedia.GetTotalSizeAsync());

        // A refetch replaces the row.
        await Db.RemoteMedia.PutAsync(Item(original, 50, "sha-new", 20));
        Assert.Equal(("sha-new", 50L), ((await Db.RemoteMedia.GetAsync(original))!.Sha256, (await Db.RemoteMedia.GetAsync(original))!.Size));

        // Touch only moves the access time forward.
        await Db.RemoteMedia.TouchAsync(original, 30);
        await Db.RemoteMedia.TouchAsync(original, 25);
        Assert.Equal(30, (await Db.RemoteMedia.GetAsync(original))!.LastAccessTs);
    }

    [Fact]
    public async Task Remove_reports_the_file_only_when_no_other_entry_shares_it()
    {
        var a = RemoteMediaKey.Original(Remote, "a");
        var b = RemoteMediaKey.Original(Remote, "b");
        await Db.RemoteMedia.PutAsync(Item(a, 10, "same", 1));
        await Db.RemoteMedia.PutAsync(Item(b, 10, "same", 1));

        Assert.Null(await Db.RemoteMedia.RemoveAsync(a));
        Assert.Null(await Db.RemoteMedia.GetAsync(a));
        Assert.Equal("same", await Db.RemoteMedia.RemoveAsync(b));
        Assert.Null(await Db.RemoteMedia.RemoveAsync(b));
    }

    [Fact]
    public async Task Eviction_drops_expired_then_least_recently_accessed_until_under_the_bound()
    {
        var expired = RemoteMediaKey.Original(Remote, "expired");
        var oldest = RemoteMediaKey.Original(Remote, "oldest");
        var middle = RemoteMediaKey.Thumbnail(Remote, "oldest", 64, 64, "scale");
        var newest = RemoteMediaKey.Original(Remote, "newest");
        var kept = RemoteMediaKey.Original(Remote, "kept");
        await Db.RemoteMedia.PutAsync(Item(expired, 100, "sha-expired", 5));
        await Db.RemoteMedia.PutAsync(Item(kept, 100, "sha-kept", 6));
        await Db.RemoteMedia.PutAsync(Item(oldest, 100, "sha-oldest", 10));
        await Db.RemoteMedia.PutAsync(Item(middle, 100, "sha-middle", 20));
        await Db.RemoteMedia.PutAsync(Item(newest, 100, "sha-newest", 30));
        // Accessing the oldest makes it the most recently used.
        await Db.RemoteMedia.TouchAsync(oldest, 40);

        // Nothing is expired at 5 and the total (500) fits 500: no change.
        Assert.Empty(await Db.RemoteMedia.EvictAsync(accessedBeforeTs: 5, maxTotalBytes: 500, keep: null));
        Assert.Equal(500, await Db.RemoteMedia.GetTotalSizeAsync());

        // "expired" ages out; then LRU order is kept(6, but protected), middle(20), newest(30), oldest(40).
        var removed = await Db.RemoteMedia.EvictAsync(accessedBeforeTs: 6, maxTotalBytes: 250, keep: kept);
        Assert.Equal(["sha-expired", "sha-middle", "sha-newest"], removed.Order(StringComparer.Ordinal));
        Assert.NotNull(await Db.RemoteMedia.GetAsync(kept));
        Assert.NotNull(await Db.RemoteMedia.GetAsync(oldest));
        Assert.Null(await Db.RemoteMedia.GetAsync(middle));
        Assert.Equal(200, await Db.RemoteMedia.GetTotalSizeAsync());

        // Without protection the least recently used goes first.
        Assert.Equal(["sha-kept"], await Db.RemoteMedia.EvictAsync(accessedBeforeTs: 0, maxTotalBytes: 150, keep: null));
        Assert.NotNull(await Db.RemoteMedia.GetAsync(oldest));
    }

    [Fact]
    public async Task Eviction_keeps_a_file_another_entry_still_uses()
    {
        var a = RemoteMediaKey.Original(Remote, "a");
        var b = RemoteMediaKey.Original(ServerName.Parse("other.example"), "b");
        await Db.RemoteMedia.PutAsync(Item(a, 10, "same", 1));
        await Db.RemoteMedia.PutAsync(Item(b, 10, "same", 100));
        Assert.Empty(await Db.RemoteMedia.EvictAsync(accessedBeforeTs: 50, maxTotalBytes: 1000, keep: null));
        Assert.Null(await Db.RemoteMedia.GetAsync(a));
        Assert.Equal(["same"], await Db.RemoteMedia.EvictAsync(accessedBeforeTs: 500, maxTotalBytes: 1000, keep: null));
    }
}

public sealed class RemoteMediaStoreTests_Sqlite : RemoteMediaStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class RemoteMediaStoreTests_Postgres : RemoteMediaStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
