using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Federation;

internal sealed class FederationOutboxStore(StorageEngine engine) : IFederationOutboxStore
{
    public Task EnqueuePduAsync(EventId eventId, RoomId roomId, IReadOnlyCollection<ServerName> destinations, long queuedTs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        if (destinations.Count == 0)
        {
            return Task.CompletedTask;
        }
        return engine.WriteAsync(async db =>
        {
            foreach (var destination in destinations)
            {
                await db.ExecuteAsync(
                    "INSERT INTO federation_outbox (destination, event_id, room_id, queued_ts) VALUES (@destination, @event_id, @room_id, @ts) " +
                    "ON CONFLICT DO NOTHING",
                    ("destination", destination.Value), ("event_id", eventId.Value), ("room_id", roomId.Value), ("ts", queuedTs));
            }
            return 0;
        }, cancellationToken);
    }

    public Task EnqueueEduAsync(ServerName destination, string eduType, string content, long queuedTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "INSERT INTO federation_outbox (destination, edu_type, edu_content, queued_ts) VALUES (@destination, @edu_type, @content, @ts)",
            ("destination", destination.Value), ("edu_type", eduType), ("content", content), ("ts", queuedTs)), cancellationToken);

    public Task<IReadOnlyList<ServerName>> GetDestinationsAsync(CancellationToken cancellationToken = default) =>
        engine.ReadAsync<IReadOnlyList<ServerName>>(async db => await db.QueryAsync(
            "SELECT DISTINCT destination FROM federation_outbox ORDER BY destination", r => ServerName.Parse(r.GetString(0))), cancellationToken);

    public Task<OutboxTransaction?> ClaimTransactionAsync(ServerName destination, string newTxnId, int maxPdus, int maxEdus, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db =>
        {
            var pending = await db.QueryAsync(
                "SELECT txn_id FROM federation_outbox WHERE destination = @destination AND txn_id IS NOT NULL ORDER BY id LIMIT 1",
                r => r.GetString(0), ("destination", destination.Value));
            string txnId = pending.Count > 0 ? pending[0] : newTxnId;
            if (pending.Count == 0)
            {
                await db.ExecuteAsync(
                    "UPDATE federation_outbox SET txn_id = @txn_id WHERE id IN (SELECT id FROM federation_outbox " +
                    "WHERE destination = @destination AND event_id IS NOT NULL ORDER BY id LIMIT @max)",
                    ("txn_id", txnId), ("destination", destination.Value), ("max", (long)maxPdus));
                await db.ExecuteAsync(
                    "UPDATE federation_outbox SET txn_id = @txn_id WHERE id IN (SELECT id FROM federation_outbox " +
                    "WHERE destination = @destination AND event_id IS NULL ORDER BY id LIMIT @max)",
                    ("txn_id", txnId), ("destination", destination.Value), ("max", (long)maxEdus));
            }
            var rows = await db.QueryAsync(
                "SELECT event_id, edu_type, edu_content FROM federation_outbox WHERE destination = @destination AND txn_id = @txn_id ORDER BY id",
                r => (EventId: r.GetNullableString(0), EduType: r.GetNullableString(1), Content: r.GetNullableString(2)),
                ("destination", destination.Value), ("txn_id", txnId));
            if (rows.Count == 0)
            {
                return null;
            }
            var pdus = new List<EventId>();
            var edus = new List<OutboxEdu>();
            foreach (var row in rows)
            {
                if (row.EventId is { } id)
                {
                    pdus.Add(EventId.Parse(id));
                }
                else
                {
                    edus.Add(new OutboxEdu(row.EduType!, row.Content!));
                }
            }
            return new OutboxTransaction(txnId, pdus, edus);
        }, cancellationToken);

    public Task CompleteTransactionAsync(ServerName destination, string txnId, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "DELETE FROM federation_outbox WHERE destination = @destination AND txn_id = @txn_id",
            ("destination", destination.Value), ("txn_id", txnId)), cancellationToken);

    public Task<long> CountPdusAsync(ServerName destination, CancellationToken cancellationToken = default) =>
        engine.ReadAsync(async db => await db.ScalarInt64Async(
            "SELECT COUNT(*) FROM federation_outbox WHERE destination = @destination AND event_id IS NOT NULL",
            ("destination", destination.Value)) ?? 0, cancellationToken);

    public Task<long> CollapsePdusAsync(ServerName destination, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(async db => (long)await db.ExecuteAsync(
            "DELETE FROM federation_outbox WHERE destination = @destination AND event_id IS NOT NULL AND txn_id IS NULL " +
            "AND id NOT IN (SELECT MAX(id) FROM federation_outbox WHERE destination = @destination AND event_id IS NOT NULL AND txn_id IS NULL GROUP BY room_id)",
            ("destination", destination.Value)), cancellationToken);
}
