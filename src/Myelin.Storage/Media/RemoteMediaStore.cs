using System.Data.Common;
using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Media;

internal sealed class RemoteMediaStore(StorageEngine engine) : IRemoteMediaStore
{
    private const string Columns =
        "media_origin, media_id, width, height, method, content_type, upload_name, size, sha256, fetched_ts, last_access_ts";
    private const string KeyFilter = "media_origin = @origin AND media_id = @id AND width = @w AND height = @h AND method = @m";

    public Task<RemoteMedia?> GetAsync(RemoteMediaKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return engine.ReadAsync(db => db.QuerySingleAsync($"SELECT {Columns} FROM remote_media_cache WHERE {KeyFilter}", Read, KeyParameters(key)),
            cancellationToken);
    }

    public Task PutAsync(RemoteMedia media, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        return engine.WriteAsync(db => db.ExecuteAsync(
            $"INSERT INTO remote_media_cache ({Columns}) VALUES (@origin, @id, @w, @h, @m, @type, @name, @size, @sha, @fetched, @access) " +
            "ON CONFLICT (media_origin, media_id, width, height, method) DO UPDATE SET content_type = EXCLUDED.content_type, " +
            "upload_name = EXCLUDED.upload_name, size = EXCLUDED.size, sha256 = EXCLUDED.sha256, fetched_ts = EXCLUDED.fetched_ts, " +
            "last_access_ts = EXCLUDED.last_access_ts",
            [.. KeyParameters(media.Key), ("type", media.ContentType), ("name", media.UploadName), ("size", media.Size), ("sha", media.Sha256),
                ("fetched", media.FetchedTs), ("access", media.LastAccessTs)]), cancellationToken);
    }

    public Task TouchAsync(RemoteMediaKey key, long accessTs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return engine.WriteAsync(db => db.ExecuteAsync(
            $"UPDATE remote_media_cache SET last_access_ts = @access WHERE {KeyFilter} AND last_access_ts < @access",
            [.. KeyParameters(key), ("access", accessTs)]), cancellationToken);
    }

    public Task<string?> RemoveAsync(RemoteMediaKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return engine.WriteAsync(async db =>
        {
            var existing = await db.QuerySingleAsync($"SELECT {Columns} FROM remote_media_cache WHERE {KeyFilter}", Read, KeyParameters(key));
            if (existing is null)
            {
                return null;
            }
            await db.ExecuteAsync($"DELETE FROM remote_media_cache WHERE {KeyFilter}", KeyParameters(key));
            return (await UnreferencedAsync(db, [existing.Sha256])).FirstOrDefault();
        }, cancellationToken);
    }

    public Task<long> GetTotalSizeAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarInt64Async("SELECT COALESCE(SUM(size), 0) FROM remote_media_cache") ?? 0, cancellationToken);

    public Task<IReadOnlyList<string>> EvictAsync(long accessedBeforeTs, long maxTotalBytes, RemoteMediaKey? keep,
        CancellationToken cancellationToken = default) =>
        engine.WriteAsync<IReadOnlyList<string>>(async db =>
        {
            var removed = await db.QueryAsync("SELECT sha256 FROM remote_media_cache WHERE last_access_ts < @before",
                r => r.GetString(0), ("before", accessedBeforeTs));
            if (removed.Count > 0)
            {
                await db.ExecuteAsync("DELETE FROM remote_media_cache WHERE last_access_ts < @before", ("before", accessedBeforeTs));
            }
            long total = await db.ScalarInt64Async("SELECT COALESCE(SUM(size), 0) FROM remote_media_cache") ?? 0;
            if (total > maxTotalBytes)
            {
                // Least recently accessed first; the list is read whole because rows are deleted while walking it.
                var candidates = await db.QueryAsync($"SELECT {Columns} FROM remote_media_cache ORDER BY last_access_ts, fetched_ts", Read);
                foreach (var item in candidates)
                {
                    if (total <= maxTotalBytes)
                    {
                        break;
                    }
                    if (item.Key == keep)
                    {
                        continue;
                    }
                    await db.ExecuteAsync($"DELETE FROM remote_media_cache WHERE {KeyFilter}", KeyParameters(item.Key));
                    removed.Add(item.Sha256);
                    total -= item.Size;
                }
            }
            return await UnreferencedAsync(db, removed);
        }, cancellationToken);

    // Cached files are content-addressed, so two items with identical bytes share one file.
    private static async Task<List<string>> UnreferencedAsync(DbSession db, IEnumerable<string> digests)
    {
        var unreferenced = new List<string>();
        foreach (string digest in digests.Distinct(StringComparer.Ordinal))
        {
            if ((await db.ScalarInt64Async("SELECT COUNT(*) FROM remote_media_cache WHERE sha256 = @sha", ("sha", digest)) ?? 0) == 0)
            {
                unreferenced.Add(digest);
            }
        }
        return unreferenced;
    }

    private static (string Name, object? Value)[] KeyParameters(RemoteMediaKey key) =>
        [("origin", key.Origin.Value), ("id", key.MediaId), ("w", (long)key.Width), ("h", (long)key.Height), ("m", key.Method)];

    private static RemoteMedia Read(DbDataReader r) => new(
        new RemoteMediaKey(ServerName.Parse(r.GetString(0)), r.GetString(1), (int)r.GetInt64(2), (int)r.GetInt64(3), r.GetString(4)),
        r.GetNullableString(5), r.GetNullableString(6), r.GetInt64(7), r.GetString(8), r.GetInt64(9), r.GetInt64(10));
}
