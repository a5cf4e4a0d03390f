-- Full-text search (schema v13, PostgreSQL tsvector + GIN): one row per searchable event — m.room.message body,
-- m.room.name name, m.room.topic topic — keyed by events.stream_ordering. Written in the event's own persist transaction;
-- a redaction removes its target's row. spec: client-server "Server Side Search".
CREATE TABLE event_search (
    stream_ordering BIGINT PRIMARY KEY,
    room_id TEXT NOT NULL,
    vector TSVECTOR NOT NULL
);
CREATE INDEX event_search_vector ON event_search USING GIN (vector);
CREATE INDEX event_search_room ON event_search (room_id, stream_ordering);

-- Events persisted before this migration are indexed at start-up, newest first, down from this position (0 = done).
CREATE TABLE event_search_backfill (
    up_to BIGINT NOT NULL
);
INSERT INTO event_search_backfill (up_to) SELECT COALESCE(MAX(stream_ordering), 0) FROM events;
