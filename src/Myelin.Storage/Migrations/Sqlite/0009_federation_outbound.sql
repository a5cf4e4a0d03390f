-- Federation outbound (schema v9, Sqlite): the durable part of each destination's queue.
-- spec: server-server "Transactions".

-- One row per queued PDU (by event ID; the JSON is read from events when the transaction is built) or durable EDU
-- (to-device, device list updates: content stored here). Rows are sent in id order. txn_id is set when a row is
-- put into a transaction and kept until the destination answers 200 (then the rows are deleted), so a retry after a
-- restart sends the same transaction ID with the same items.
CREATE TABLE federation_outbox (
    id INTEGER PRIMARY KEY,
    destination TEXT NOT NULL,
    event_id TEXT,
    room_id TEXT,
    edu_type TEXT,
    edu_content TEXT,
    txn_id TEXT,
    queued_ts INTEGER NOT NULL
);

CREATE INDEX federation_outbox_destination ON federation_outbox (destination, id);
-- A PDU is queued at most once per destination until it is sent.
CREATE UNIQUE INDEX federation_outbox_pdu ON federation_outbox (destination, event_id) WHERE event_id IS NOT NULL;
