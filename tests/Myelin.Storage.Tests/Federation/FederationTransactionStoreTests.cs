using Myelin.Protocol.Identifiers;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Federation;

public abstract class FederationTransactionStoreTests : StorageTestBase
{
    private static readonly ServerName Remote = ServerName.Parse("remote.example:8448");
    private static readonly ServerName Other = ServerName.Parse("other.example");

    [Fact]
    public async Task A_response_is_stored_per_origin_and_transaction_and_the_first_one_wins()
    {
        Assert.Null(await Db.FederationTransactions.GetResponseAsync(Remote, "txn1"));

        Assert.True(await Db.FederationTransactions.StoreResponseAsync(Remote, "txn1", "{\"pdus\":{}}", 100));
        Assert.False(await Db.FederationTransactions.StoreResponseAsync(Remote, "txn1", "{\"pdus\":{\"x\":{}}}", 200));

        Assert.Equal("{\"pdus\":{}}", await Db.FederationTransactions.GetResponseAsync(Remote, "txn1"));
        // Transaction IDs are only meaningful per origin.
        Assert.Null(await Db.FederationTransactions.GetResponseAsync(Other, "txn1"));
        Assert.Null(await Db.FederationTransactions.GetResponseAsync(Remote, "TXN1"));
    }

    [Fact]
    public async Task Old_transactions_are_deleted()
    {
        await Db.FederationTransactions.StoreResponseAsync(Remote, "old", "{}", 100);
        await Db.FederationTransactions.StoreResponseAsync(Remote, "new", "{}", 300);

        Assert.Equal(1, await Db.FederationTransactions.DeleteReceivedBeforeAsync(200));

        Assert.Null(await Db.FederationTransactions.GetResponseAsync(Remote, "old"));
        Assert.Equal("{}", await Db.FederationTransactions.GetResponseAsync(Remote, "new"));
    }
}

public sealed class FederationTransactionStoreTests_Sqlite : FederationTransactionStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class FederationTransactionStoreTests_Postgres : FederationTransactionStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
