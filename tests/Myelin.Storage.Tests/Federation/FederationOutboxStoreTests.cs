using Myelin.Protocol.Identifiers;
using Myelin.Storage.Federation;
using Myelin.Storage.Tests.Infrastructure;

namespace Myelin.Storage.Tests.Federation;

public abstract class FederationOutboxStoreTests : StorageTestBase
{
    private static readonly ServerName A = ServerName.Parse("a.example");
    private static readonly ServerName B = ServerName.Parse("b.example:8448");

    [Fact]
    public async Task Items_are_claimed_in_queue_order_within_the_limits_and_removed_only_when_completed()
    {
        Assert.Empty(await Db.FederationOutbox.GetDestinationsAsync());
        Assert.Null(await Db.FederationOutbox.ClaimTransactionAsync(A, "t0", 50, 100));
        for (int i = 0; i < 5; i++)
        {
            await Db.FederationOutbox.EnqueuePduAsync(Ids.Event($"e{i}"), Ids.Room("r"), [A, B], 1000 + i);
        }
        await Db.FederationOutbox.EnqueueEduAsync(A, "m.direct_to_device", "{\"n\":1}", 2000);
        await Db.FederationOutbox.EnqueueEduAsync(A, "m.direct_to_device", "{\"n\":2}", 2001);
        await Db.FederationOutbox.EnqueueEduAsync(A, "m.device_list_update", "{\"n\":3}", 2002);
        Assert.Equal([A, B], await Db.FederationOutbox.GetDestinationsAsync());
        Assert.Equal(5, await Db.FederationOutbox.CountPdusAsync(A));

        var first = await Db.FederationOutbox.ClaimTransactionAsync(A, "t1", 3, 2);
        Assert.NotNull(first);
        Assert.Equal("t1", first.TxnId);
        Assert.Equal([Ids.Event("e0"), Ids.Event("e1"), Ids.Event("e2")], first.Pdus);
        Assert.Equal([new OutboxEdu("m.direct_to_device", "{\"n\":1}"), new OutboxEdu("m.direct_to_device", "{\"n\":2}")], first.Edus);

        // Not acknowledged: claiming again (also after a restart) returns the same transaction, whatever ID is offered.
        var retry = await Db.FederationOutbox.ClaimTransactionAsync(A, "t2", 50, 100);
        Assert.Equal(first.TxnId, retry!.TxnId);
        Assert.Equal(first.Pdus, retry.Pdus);
        Assert.Equal(first.Edus, retry.Edus);

        await Db.FederationOutbox.CompleteTransactionAsync(A, "t1");
        var second = await Db.FederationOutbox.ClaimTransactionAsync(A, "t3", 50, 100);
        Assert.Equal("t3", second!.TxnId);
        Assert.Equal([Ids.Event("e3"), Ids.Event("e4")], second.Pdus);
        Assert.Equal([new OutboxEdu("m.device_list_update", "{\"n\":3}")], second.Edus);
        await Db.FederationOutbox.CompleteTransactionAsync(A, "t3");

        Assert.Null(await Db.FederationOutbox.ClaimTransactionAsync(A, "t4", 50, 100));
        // The other destination's queue is its own.
        Assert.Equal([B], await Db.FederationOutbox.GetDestinationsAsync());
        Assert.Equal(5, (await Db.FederationOutbox.ClaimTransactionAsync(B, "t1", 50, 100))!.Pdus.Count);
    }

    [Fact]
    public async Task A_pdu_is_queued_once_per_destination_until_sent()
    {
        await Db.FederationOutbox.EnqueuePduAsync(Ids.Event("x"), Ids.Room("r"), [A], 1);
        await Db.FederationOutbox.EnqueuePduAsync(Ids.Event("x"), Ids.Room("r"), [A, B], 2);
        Assert.Equal(1, await Db.FederationOutbox.CountPdusAsync(A));
        Assert.Equal(1, await Db.FederationOutbox.CountPdusAsync(B));
        var txn = await Db.FederationOutbox.ClaimTransactionAsync(A, "t", 50, 100);
        await Db.FederationOutbox.CompleteTransactionAsync(A, txn!.TxnId);
        // Sent; an explicit re-send queues it again.
        await Db.FederationOutbox.EnqueuePduAsync(Ids.Event("x"), Ids.Room("r"), [A], 3);
        Assert.Equal(1, await Db.FederationOutbox.CountPdusAsync(A));
    }

    [Fact]
    public async Task Collapsing_keeps_the_newest_pdu_per_room_and_the_pending_transaction()
    {
        for (int i = 0; i < 3; i++)
        {
            await Db.FederationOutbox.EnqueuePduAsync(Ids.Event($"r{i}"), Ids.Room("r"), [A], i);
        }
        var pending = await Db.FederationOutbox.ClaimTransactionAsync(A, "t", 2, 100);
        for (int i = 3; i < 6; i++)
        {
            await Db.FederationOutbox.EnqueuePduAsync(Ids.Event($"r{i}"), Ids.Room("r"), [A], i);
            await Db.FederationOutbox.EnqueuePduAsync(Ids.Event($"s{i}"), Ids.Room("s"), [A], i);
        }
        await Db.FederationOutbox.EnqueueEduAsync(A, "m.direct_to_device", "{}", 9);
        await Db.FederationOutbox.EnqueuePduAsync(Ids.Event("other"), Ids.Room("s"), [B], 9);

        // Unclaimed: r2, r3, s3, r4, s4, r5, s5 → r5 and s5 remain (plus the claimed r0, r1).
        Assert.Equal(5, await Db.FederationOutbox.CollapsePdusAsync(A));
        Assert.Equal(4, await Db.FederationOutbox.CountPdusAsync(A));
        Assert.Equal(1, await Db.FederationOutbox.CountPdusAsync(B));

        await Db.FederationOutbox.CompleteTransactionAsync(A, pending!.TxnId);
        var next = await Db.FederationOutbox.ClaimTransactionAsync(A, "u", 50, 100);
        Assert.Equal([Ids.Event("r5"), Ids.Event("s5")], next!.Pdus);
        Assert.Single(next.Edus);
    }
}

public sealed class FederationOutboxStoreTests_Sqlite : FederationOutboxStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Sqlite;
}

public sealed class FederationOutboxStoreTests_Postgres : FederationOutboxStoreTests
{
    protected override DatabaseEngineKind Engine => DatabaseEngineKind.Postgres;
}
