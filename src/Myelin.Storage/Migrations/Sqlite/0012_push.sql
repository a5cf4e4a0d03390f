-- Push (schema v12, SQLite): pushers, the notification history behind GET /notifications, and the durable queue of
-- pushes to push gateways. spec: client-server "Push Notifications", push-gateway "POST /_matrix/push/v1/notify".

-- One pusher per (user, app_id, pushkey). device_id is the device whose access token created it: deleting the device
-- (or logging it out) removes its pushers. data is the JSON object given at /pushers/set, url included.
CREATE TABLE pushers (
    user_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    pushkey TEXT NOT NULL,
    kind TEXT NOT NULL,
    device_id TEXT,
    app_display_name TEXT NOT NULL,
    device_display_name TEXT NOT NULL,
    profile_tag TEXT,
    lang TEXT NOT NULL,
    data TEXT NOT NULL,
    pushkey_ts INTEGER NOT NULL,
    PRIMARY KEY (user_id, app_id, pushkey)
);
CREATE INDEX pushers_pushkey ON pushers (app_id, pushkey);
CREATE INDEX pushers_device ON pushers (user_id, device_id);

-- Every event that notified a local user, with the matched rule's actions (kept after it is read, unlike
-- event_push_actions): the source of GET /notifications.
CREATE TABLE user_notifications (
    user_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    stream_ordering INTEGER NOT NULL,
    actions TEXT NOT NULL,
    highlight INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (user_id, event_id)
);
CREATE INDEX user_notifications_stream ON user_notifications (user_id, stream_ordering);

-- One row per (pusher, event) still to deliver; retried with exponential backoff until delivered or given up.
CREATE TABLE push_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    pushkey TEXT NOT NULL,
    event_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ts INTEGER NOT NULL,
    created_ts INTEGER NOT NULL,
    last_error TEXT
);
CREATE INDEX push_queue_due ON push_queue (next_attempt_ts);
CREATE INDEX push_queue_pusher ON push_queue (user_id, app_id, pushkey, id);
