-- Accounts (schema v2, SQLite): registration tokens, short-lived user tokens, custom profile fields, user reports.

CREATE TABLE registration_tokens (
    token TEXT PRIMARY KEY,
    uses_allowed INTEGER,
    pending INTEGER NOT NULL DEFAULT 0,
    completed INTEGER NOT NULL DEFAULT 0,
    expiry_time INTEGER
);

CREATE TABLE user_tokens (
    token_hash BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    expires_ts INTEGER NOT NULL
);
CREATE INDEX user_tokens_expiry ON user_tokens (expires_ts);

CREATE TABLE profile_fields (
    user_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, field)
);

CREATE TABLE user_reports (
    id INTEGER PRIMARY KEY,
    reporter TEXT NOT NULL,
    target_user TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_ts INTEGER NOT NULL
);
