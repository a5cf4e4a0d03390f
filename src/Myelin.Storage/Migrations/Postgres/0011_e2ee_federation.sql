-- End-to-end encryption over federation (spec: server-server "Device Management", "End-to-End Encryption",
-- "Send-to-device messaging").

-- Remote users' device lists kept up to date by m.device_list_update EDUs (for users sharing a room with a local
-- user). stream_id is the last update applied (or the stream_id of the last /user/devices snapshot); stale = 1
-- when an update could not be applied and the snapshot could not be refetched: queries then go to the origin.
CREATE TABLE e2e_remote_device_lists (
    user_id TEXT PRIMARY KEY,
    stream_id BIGINT NOT NULL,
    stale BIGINT NOT NULL,
    updated_ts BIGINT NOT NULL
);

-- The devices of those users: display name and identity keys (the signed JSON object; NULL when it has none).
CREATE TABLE e2e_remote_devices (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    display_name TEXT,
    key_json TEXT,
    PRIMARY KEY (user_id, device_id)
);

-- Remote users' master and self-signing keys (from /user/devices, /user/keys/query and m.signing_key_update).
CREATE TABLE e2e_remote_cross_signing_keys (
    user_id TEXT NOT NULL,
    key_type TEXT NOT NULL,
    key_json TEXT NOT NULL,
    PRIMARY KEY (user_id, key_type)
);

-- What was last announced to other servers for each local user: the stream_id of the last m.device_list_update
-- (also served as /user/devices stream_id) and the devices and cross-signing keys it described (JSON).
CREATE TABLE e2e_device_list_outbound (
    user_id TEXT PRIMARY KEY,
    stream_id BIGINT NOT NULL,
    snapshot TEXT NOT NULL
);

-- How far the device-lists stream has been turned into outbound EDUs (one row, name 'device_lists').
CREATE TABLE e2e_federation_cursors (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);

-- m.direct_to_device message IDs already delivered, per origin server (idempotence across retried transactions).
CREATE TABLE e2e_inbound_to_device (
    origin TEXT NOT NULL,
    message_id TEXT NOT NULL,
    received_ts BIGINT NOT NULL,
    PRIMARY KEY (origin, message_id)
);
CREATE INDEX e2e_inbound_to_device_received ON e2e_inbound_to_device (received_ts);
