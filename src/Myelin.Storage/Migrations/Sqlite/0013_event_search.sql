-- Full-text search (schema v13, SQLite FTS5): one row per searchable event — m.room.message body, m.room.name name,
-- m.room.topic topic — with rowid = events.stream_ordering. Written in the event's own persist transaction; a redaction
-- removes its target's row. spec: client-server "Server Side Search".
CREATE VIRTUAL TABLE event_search USING fts5(value, tokenize = 'porter unicode61 remove_diacritics 2');

-- Events persisted before this migration are indexed at start-up, newest first, down from this position (0 = done).
CREATE TABLE event_search_backfill (
    up_to INTEGER NOT NULL
);
INSERT INTO event_search_backfill (up_to) SELECT COALESCE(MAX(stream_ordering), 0) FROM events;
