using Myelin.Protocol.Identifiers;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Federation;

internal sealed class FederationTransactionStore(StorageEngine engine) : IFederationTransactionStore
{
    public Task<string?> GetResponseAsync(ServerName origin, string transactionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        return engine.ReadAsync(async db => await db.ScalarAsync(
            "SELECT response_json FROM federation_inbound_transactions WHERE origin = @origin AND txn_id = @txn_id",
            ("origin", origin.Value), ("txn_id", transactionId)) as string, cancellationToken);
    }

    public Task<bool> StoreResponseAsync(ServerName origin, string transactionId, string responseJson, long receivedTs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        ArgumentNullException.ThrowIfNull(responseJson);
        return engine.WriteAsync(async db => await db.ExecuteAsync(
            "INSERT INTO federation_inbound_transactions (origin, txn_id, response_json, received_ts) VALUES (@origin, @txn_id, @json, @ts) " +
            "ON CONFLICT (origin, txn_id) DO NOTHING",
            ("origin", origin.Value), ("txn_id", transactionId), ("json", responseJson), ("ts", receivedTs)) == 1, cancellationToken);
    }

    public Task<int> DeleteReceivedBeforeAsync(long receivedBeforeTs, CancellationToken cancellationToken = default) =>
        engine.WriteAsync(db => db.ExecuteAsync(
            "DELETE FROM federation_inbound_transactions WHERE received_ts < @ts", ("ts", receivedBeforeTs)), cancellationToken);
}
