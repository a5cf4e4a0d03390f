-- Local media (spec: client-server "Content repository"). The bytes live in the media file store, addressed by
-- sha256; a row with a NULL sha256 is an async upload created by POST /media/v1/create and not uploaded yet.
CREATE TABLE local_media (
    media_id TEXT PRIMARY KEY,
    uploader TEXT NOT NULL,
    content_type TEXT,
    upload_name TEXT,
    size BIGINT,
    sha256 TEXT,
    created_ts BIGINT NOT NULL,
    unused_expires_ts BIGINT,
    quarantined BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX local_media_pending ON local_media (uploader, unused_expires_ts) WHERE sha256 IS NULL;
CREATE INDEX local_media_sha256 ON local_media (sha256);

-- Generated thumbnails, cached per (media, width, height, method); the bytes live in the file store too.
CREATE TABLE local_media_thumbnails (
    media_id TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    method TEXT NOT NULL,
    animated BOOLEAN NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (media_id, width, height, method, animated)
);
