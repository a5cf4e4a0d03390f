-- Reports of rooms and events (spec: client-server "Reporting content"), kept for the server's administrators.
CREATE TABLE room_reports (
    id INTEGER PRIMARY KEY,
    reporter TEXT NOT NULL,
    room_id TEXT NOT NULL,
    event_id TEXT,
    reason TEXT,
    score INTEGER,
    received_ts INTEGER NOT NULL
);

-- Rooms a user forgot (spec: "POST /rooms/{roomId}/forget"), keyed by the membership event they forgot:
-- a later membership change (rejoining, a new invite) brings the room back.
CREATE TABLE forgotten_rooms (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
