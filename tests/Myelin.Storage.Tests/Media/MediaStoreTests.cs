using Myelin.Storage.Media;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Media;

public abstract class MediaStoreTests : StorageTestBase
{
    [Fact]
    public async Task Uploaded_media_round_trips_and_ids_are_unique()
    {
        var alice = Ids.User("alice");
        Assert.True(await Db.Media.AddUploadedAsync("abc", alice, "image/png", "cat.png", 42, "aa11", 1000));
        Assert.False(await Db.Media.AddUploadedAsync("abc", alice, "text/plain", null, 1, "bb22", 2000));

        var media = await Db.Media.GetAsync("abc");
        Assert.Equal(new LocalMedia("abc", alice, "image/png", "cat.png", 42, "aa11", 1000, null, false), media);
        Assert.True(media!.IsUploaded);
        Assert.Null(await Db.Media.GetAsync("missing"));
    }

    [Fact]
    public async Task Pending_uploads_are_limited_per_user_and_completed_once()
    {
        var alice = Ids.User("alice");
        Assert.True(await Db.Media.AddPendingAsync("p1", alice, 100, 500, maxPending: 2, nowTs: 100));
        Assert.True(await Db.Media.AddPendingAsync("p2", alice, 100, 500, maxPending: 2, nowTs: 100));
        Assert.False(await Db.Media.AddPendingAsync("p3", alice, 100, 500, maxPending: 2, nowTs: 100));
        // Expired reservations no longer count.
        Assert.True(await Db.Media.AddPendingAsync("p3", alice, 600, 900, maxPending: 2, nowTs: 600));
        Assert.True(await Db.Media.AddPendingAsync("b1", Ids.User("bob"), 100, 500, maxPending: 2, nowTs: 100));

        var pending = await Db.Media.GetAsync("p1");
        Assert.False(pending!.IsUploaded);
        Assert.Equal(500, pending.UnusedExpiresTs);

        Assert.True(await Db.Media.CompletePendingAsync("p1", "text/plain", "a.txt", 5, "cc33"));
        Assert.False(await Db.Media.CompletePendingAsync("p1", "text/plain", "b.txt", 6, "dd44"));
        var done = await Db.Media.GetAsync("p1");
        Assert.Equal(("cc33", 5L, "a.txt", (long?)null), (done!.Sha256, done.Size!.Value, done.UploadName, done.UnusedExpiresTs));
    }

    [Fact]
    public async Task Quarantine_and_delete_report_unreferenced_files()
    {
        var alice = Ids.User("alice");
        await Db.Media.AddUploadedAsync("m1", alice, "image/png", null, 10, "shared", 1);
        await Db.Media.AddUploadedAsync("m2", alice, "image/png", null, 10, "shared", 2);
        await Db.Media.AddThumbnailAsync(new MediaThumbnail("m1", 32, 32, "crop", false, "image/png", 3, "thumb1"));
        await Db.Media.AddThumbnailAsync(new MediaThumbnail("m1", 32, 32, "crop", false, "image/png", 4, "ignored-duplicate"));

        Assert.Equal("thumb1", (await Db.Media.GetThumbnailAsync("m1", 32, 32, "crop", false))!.Sha256);
        Assert.Null(await Db.Media.GetThumbnailAsync("m1", 32, 32, "scale", false));

        Assert.True(await Db.Media.SetQuarantinedAsync("m1", true));
        Assert.True((await Db.Media.GetAsync("m1"))!.Quarantined);
        Assert.False(await Db.Media.SetQuarantinedAsync("nope", true));

        Assert.Equal(["thumb1"], await Db.Media.DeleteAsync("m1"));
        Assert.Null(await Db.Media.GetAsync("m1"));
        Assert.Null(await Db.Media.GetThumbnailAsync("m1", 32, 32, "crop", false));
        Assert.Equal(["shared"], await Db.Media.DeleteAsync("m2"));
        Assert.Null(await Db.Media.DeleteAsync("m2"));
    }

    [Fact]
    public async Task Expired_pending_uploads_are_swept_and_others_kept()
    {
        var alice = Ids.User("alice");
        Assert.True(await Db.Media.AddPendingAsync("old", alice, 100, 500, maxPending: 5, nowTs: 100));
        Assert.True(await Db.Media.AddPendingAsync("fresh", alice, 100, 2000, maxPending: 5, nowTs: 100));
        Assert.True(await Db.Media.AddPendingAsync("done", alice, 100, 500, maxPending: 5, nowTs: 100));
        Assert.True(await Db.Media.CompletePendingAsync("done", "text/plain", null, 1, "ee55"));
        await Db.Media.AddUploadedAsync("plain", alice, "text/plain", null, 1, "ff66", 100);

        Assert.Equal(1, await Db.Media.DeleteExpiredPendingAsync(1000));
        Assert.Null(await Db.Media.GetAsync("old"));
        Assert.NotNull(await Db.Media.GetAsync("fresh"));
        Assert.NotNull(await Db.Media.GetAsync("done"));
        Assert.NotNull(await Db.Media.GetAsync("plain"));
        Assert.Equal(0, await Db.Media.DeleteExpiredPendingAsync(1000));
        Assert.Equal(1, await Db.Media.DeleteExpiredPendingAsync(2000));
    }
}

public sealed class MediaStoreTests_Sqlite : MediaStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class MediaStoreTests_Postgres : MediaStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
