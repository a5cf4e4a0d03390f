-- Myelin schema v1 (SQLite). Booleans are INTEGER 0/1; IDs are the full Matrix identifier strings.

CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    password_hash TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    is_guest INTEGER NOT NULL DEFAULT 0,
    is_deactivated INTEGER NOT NULL DEFAULT 0,
    is_locked INTEGER NOT NULL DEFAULT 0,
    is_suspended INTEGER NOT NULL DEFAULT 0,
    user_type TEXT,
    created_ts INTEGER NOT NULL
);

CREATE TABLE profiles (
    user_id TEXT PRIMARY KEY,
    localpart_lower TEXT NOT NULL,
    displayname TEXT,
    displayname_lower TEXT,
    avatar_url TEXT
);
CREATE INDEX profiles_localpart ON profiles (localpart_lower);
CREATE INDEX profiles_displayname ON profiles (displayname_lower);

CREATE TABLE devices (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    display_name TEXT,
    created_ts INTEGER NOT NULL,
    last_seen_ip TEXT,
    last_seen_user_agent TEXT,
    last_seen_ts INTEGER,
    PRIMARY KEY (user_id, device_id)
);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    expires_ts INTEGER
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id, device_id);

CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    device_id TEXT,
    created_ts INTEGER NOT NULL,
    expires_ts INTEGER,
    refresh_token_id INTEGER
);
CREATE INDEX access_tokens_user ON access_tokens (user_id, device_id);

CREATE TABLE rooms (
    room_id TEXT PRIMARY KEY,
    room_version TEXT NOT NULL,
    creator TEXT,
    created_ts INTEGER NOT NULL,
    is_public INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE room_aliases (
    room_alias TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_ts INTEGER NOT NULL
);
CREATE INDEX room_aliases_room ON room_aliases (room_id);

CREATE TABLE stream_positions (
    stream TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
INSERT INTO stream_positions (stream, position) VALUES
    ('events', 0), ('account_data', 0), ('receipts', 0), ('to_device', 0), ('device_lists', 0);

CREATE TABLE events (
    stream_ordering INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT,
    sender TEXT NOT NULL,
    depth INTEGER NOT NULL,
    origin_server_ts INTEGER NOT NULL,
    received_ts INTEGER NOT NULL,
    json BLOB NOT NULL,
    is_outlier INTEGER NOT NULL DEFAULT 0,
    is_rejected INTEGER NOT NULL DEFAULT 0,
    rejection_reason TEXT,
    is_soft_failed INTEGER NOT NULL DEFAULT 0,
    redacts TEXT,
    redacted_by TEXT,
    relates_to TEXT,
    rel_type TEXT
);
CREATE INDEX events_room_stream ON events (room_id, stream_ordering);
CREATE INDEX events_room_topological ON events (room_id, depth, stream_ordering);
CREATE INDEX events_relates_to ON events (relates_to, stream_ordering) WHERE relates_to IS NOT NULL;
CREATE INDEX events_redacts ON events (redacts) WHERE redacts IS NOT NULL;

CREATE TABLE event_forward_extremities (
    room_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (room_id, event_id)
);

CREATE TABLE event_transactions (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    created_ts INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id, txn_id)
);
-- Serving an event back to the device that sent it includes its transaction_id.
CREATE INDEX event_transactions_event ON event_transactions (event_id);

CREATE TABLE state_groups (
    id INTEGER PRIMARY KEY,
    room_id TEXT NOT NULL,
    prev_group INTEGER,
    delta_depth INTEGER NOT NULL
);

CREATE TABLE state_group_entries (
    group_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    event_id TEXT,
    PRIMARY KEY (group_id, type, state_key)
);

CREATE TABLE event_state_groups (
    event_id TEXT PRIMARY KEY,
    state_group_before INTEGER NOT NULL,
    state_group_after INTEGER NOT NULL
);

CREATE TABLE room_current_state (
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (room_id, type, state_key)
);

CREATE TABLE room_current_state_group (
    room_id TEXT PRIMARY KEY,
    state_group INTEGER NOT NULL
);

CREATE TABLE room_memberships (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    membership TEXT NOT NULL,
    event_id TEXT NOT NULL,
    stream_ordering INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_memberships_user ON room_memberships (user_id, membership);

CREATE TABLE room_membership_changes (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    stream_ordering INTEGER NOT NULL,
    membership TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id, stream_ordering)
);
CREATE INDEX room_membership_changes_user ON room_membership_changes (user_id, stream_ordering);

CREATE TABLE account_data (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    content TEXT NOT NULL,
    stream_position INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id, type)
);
CREATE INDEX account_data_stream ON account_data (user_id, stream_position);

CREATE TABLE receipts (
    room_id TEXT NOT NULL,
    receipt_type TEXT NOT NULL,
    user_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    stream_position INTEGER NOT NULL,
    PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
);
CREATE INDEX receipts_stream ON receipts (room_id, stream_position);

CREATE TABLE filters (
    user_id TEXT NOT NULL,
    filter_id INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (user_id, filter_id)
);

CREATE TABLE to_device_inbox (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    stream_position INTEGER NOT NULL,
    sender TEXT NOT NULL,
    type TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, stream_position)
);

CREATE TABLE device_list_changes (
    user_id TEXT NOT NULL,
    stream_position INTEGER NOT NULL,
    PRIMARY KEY (user_id, stream_position)
);
CREATE INDEX device_list_changes_stream ON device_list_changes (stream_position);
