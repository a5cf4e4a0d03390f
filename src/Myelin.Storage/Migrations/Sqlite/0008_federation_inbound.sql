-- Federation inbound (schema v8, Sqlite): the responses to transactions received with PUT /send/{txnId}.
-- spec: server-server "Transactions": a retried transaction (same origin and txnId) gets the same answer and its
-- PDUs and EDUs are not processed twice.
CREATE TABLE federation_inbound_transactions (
    origin TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    response_json TEXT NOT NULL,
    received_ts INTEGER NOT NULL,
    PRIMARY KEY (origin, txn_id)
);
