using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Media;

internal sealed class MediaStore(StorageEngine engine) : IMediaStore
{
    private const string Columns = "media_id, uploader, content_type, upload_name, size, sha256, created_ts, unused_expires_ts, quarantined";
    private const string ThumbnailColumns = "media_id, width, height, method, animated, content_type, size, sha256";

    public Task<bool> AddUploadedAsync(string mediaId, UserId uploader, string? contentType, string? uploadName, long size, string sha256,
        long createdTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "INSERT INTO local_media (media_id, uploader, content_type, upload_name, size, sha256, created_ts, quarantined) " +
            "VALUES (@id, @uploader, @type, @name, @size, @sha, @ts, @q) ON CONFLICT (media_id) DO NOTHING",
            ("id", mediaId), ("uploader", uploader.Value), ("type", contentType), ("name", uploadName), ("size", size), ("sha", sha256),
            ("ts", createdTs), ("q", false)) == 1, cancellationToken);

    public Task<bool> AddPendingAsync(string mediaId, UserId uploader, long createdTs, long unusedExpiresTs, int maxPending, long nowTs,
        CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            long pending = await db.ScalarInt64Async(
                "SELECT COUNT(*) FROM local_media WHERE uploader = @uploader AND sha256 IS NULL AND unused_expires_ts > @now",
                ("uploader", uploader.Value), ("now", nowTs)) ?? 0;
            if (pending >= maxPending)
            {
                return false;
            }
            return await db.ExecuteAsync(
                "INSERT INTO local_media (media_id, uploader, created_ts, unused_expires_ts, quarantined) " +
                "VALUES (@id, @uploader, @ts, @expires, @q) ON CONFLICT (media_id) DO NOTHING",
                ("id", mediaId), ("uploader", uploader.Value), ("ts", createdTs), ("expires", unusedExpiresTs), ("q", false)) == 1;
        }, cancellationToken);

    public Task<bool> CompletePendingAsync(string mediaId, string? contentType, string? uploadName, long size, string sha256,
        CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "UPDATE local_media SET content_type = @type, upload_name = @name, size = @size, sha256 = @sha, unused_expires_ts = NULL " +
            "WHERE media_id = @id AND sha256 IS NULL",
            ("id", mediaId), ("type", contentType), ("name", uploadName), ("size", size), ("sha", sha256)) == 1, cancellationToken);

    public Task<LocalMedia?> GetAsync(string mediaId, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync($"SELECT {Columns} FROM local_media WHERE media_id = @id", ReadMedia, ("id", mediaId)),
            cancellationToken);

    public Task<bool> SetQuarantinedAsync(string mediaId, bool quarantined, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => await db.ExecuteAsync(
            "UPDATE local_media SET quarantined = @q WHERE media_id = @id", ("id", mediaId), ("q", quarantined)) == 1, cancellationToken);

    public Task<IReadOnlyList<string>?> DeleteAsync(string mediaId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync<IReadOnlyList<string>?>(async db =>
        {
            var media = await db.QuerySingleAsync($"SELECT {Columns} FROM local_media WHERE media_id = @id", ReadMedia, ("id", mediaId));
            if (media is null)
            {
                return null;
            }
            var digests = await db.QueryAsync("SELECT sha256 FROM local_media_thumbnails WHERE media_id = @id", r => r.GetString(0), ("id", mediaId));
            if (media.Sha256 is not null)
            {
                digests.Add(media.Sha256);
            }
            await db.ExecuteAsync("DELETE FROM local_media_thumbnails WHERE media_id = @id", ("id", mediaId));
            await db.ExecuteAsync("DELETE FROM local_media WHERE media_id = @id", ("id", mediaId));
            // Content-addressed files are shared between identical uploads; only unreferenced ones may go.
            var unreferenced = new List<string>();
            foreach (string digest in digests.Distinct(StringComparer.Ordinal))
            {
                long uses = (await db.ScalarInt64Async("SELECT COUNT(*) FROM local_media WHERE sha256 = @sha", ("sha", digest)) ?? 0)
                    + (await db.ScalarInt64Async("SELECT COUNT(*) FROM local_media_thumbnails WHERE sha256 = @sha", ("sha", digest)) ?? 0);
                if (uses == 0)
                {
                    unreferenced.Add(digest);
                }
            }
            return unreferenced;
        }, cancellationToken);

    public Task<int> DeleteExpiredPendingAsync(long nowTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "DELETE FROM local_media WHERE sha256 IS NULL AND unused_expires_ts <= @now", ("now", nowTs)), cancellationToken);

    public Task<MediaThumbnail?> GetThumbnailAsync(string mediaId, int width, int height, string method, bool animated,
        CancellationToken cancellationToken = default) =>
        engine.ReadAsync(db => db.QuerySingleAsync(
            $"SELECT {ThumbnailColumns} FROM local_media_thumbnails " +
            "WHERE media_id = @id AND width = @w AND height = @h AND method = @m AND animated = @a",
            ReadThumbnail, ("id", mediaId), ("w", (long)width), ("h", (long)height), ("m", method), ("a", animated)), cancellationToken);

    public Task AddThumbnailAsync(MediaThumbnail thumbnail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(thumbnail);
        return engine.WriteAsync(db => db.ExecuteAsync(
            $"INSERT INTO local_media_thumbnails ({ThumbnailColumns}) VALUES (@id, @w, @h, @m, @a, @type, @size, @sha) " +
            "ON CONFLICT (media_id, width, height, method, animated) DO NOTHING",
            ("id", thumbnail.MediaId), ("w", (long)thumbnail.Width), ("h", (long)thumbnail.Height), ("m", thumbnail.Method),
            ("a", thumbnail.Animated), ("type", thumbnail.ContentType), ("size", thumbnail.Size), ("sha", thumbnail.Sha256)), cancellationToken);
    }

    private static LocalMedia ReadMedia(DbDataReader r) => new(
        r.GetString(0), UserId.Parse(r.GetString(1)), r.GetNullableString(2), r.GetNullableString(3), r.GetNullableInt64(4),
        r.GetNullableString(5), r.GetInt64(6), r.GetNullableInt64(7), r.GetFlag(8));

    private static MediaThumbnail ReadThumbnail(DbDataReader r) => new(
        r.GetString(0), (int)r.GetInt64(1), (int)r.GetInt64(2), r.GetString(3), r.GetFlag(4), r.GetString(5), r.GetInt64(6), r.GetString(7));
}
