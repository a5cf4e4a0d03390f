-- Media of other servers fetched over federation (spec: server-server "Content Repository"), cached here so clients
-- of this server download it once. Originals and thumbnails share the table (width = height = 0 and method = '' for
-- the original) so one least-recently-used order bounds the cache's size. The bytes live in the remote media file
-- store, addressed by sha256.
CREATE TABLE remote_media_cache (
    media_origin TEXT NOT NULL,
    media_id TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    method TEXT NOT NULL,
    content_type TEXT,
    upload_name TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    fetched_ts INTEGER NOT NULL,
    last_access_ts INTEGER NOT NULL,
    PRIMARY KEY (media_origin, media_id, width, height, method)
);
CREATE INDEX remote_media_cache_last_access ON remote_media_cache (last_access_ts);
CREATE INDEX remote_media_cache_sha256 ON remote_media_cache (sha256);
