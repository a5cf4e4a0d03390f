-- Federation (schema v5, Postgres): other servers' signing keys and the key responses they (or notaries) served.
-- spec: server-server "Retrieving server keys".

-- One row per (server, key ID). valid_until_ts is the effective limit (already capped at fetch time + 7 days);
-- expired_ts is set for keys listed under old_verify_keys (valid for events signed before it, never for requests).
CREATE TABLE server_signature_keys (
    server_name TEXT NOT NULL,
    key_id TEXT NOT NULL,
    verify_key TEXT NOT NULL,
    valid_until_ts BIGINT NOT NULL,
    expired_ts BIGINT,
    fetched_ts BIGINT NOT NULL,
    PRIMARY KEY (server_name, key_id)
);

-- The latest /_matrix/key/v2/server response for each server, as signed by that server, so this server can
-- answer /_matrix/key/v2/query as a notary (also after the server went offline).
CREATE TABLE server_key_responses (
    server_name TEXT PRIMARY KEY,
    from_server TEXT NOT NULL,
    valid_until_ts BIGINT NOT NULL,
    fetched_ts BIGINT NOT NULL,
    response_json TEXT NOT NULL
);
