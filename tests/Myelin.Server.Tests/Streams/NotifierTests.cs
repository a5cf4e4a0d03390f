using Myelin.Protocol.Identifiers;
using Myelin.Server.Streams;

namespace Myelin.Server.Tests.Streams;

public class NotifierTests
{
    private static readonly UserId Alice = UserId.Parse("@alice:example.org");
    private static readonly UserId Bob = UserId.Parse("@bob:example.org");
    private static readonly RoomId Room = RoomId.Parse("!room:example.org");
    private static readonly RoomId Other = RoomId.Parse("!other:example.org");

    [Fact]
    public async Task A_room_change_wakes_waiters_in_that_room_only()
    {
        var notifier = new Notifier();
        using var inRoom = notifier.Register(Alice, [Room]);
        using var elsewhere = notifier.Register(Bob, [Other]);

        notifier.NotifyRoom(Room);

        Assert.True(await inRoom.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(await elsewhere.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Fact]
    public async Task A_change_between_registering_and_waiting_is_not_lost()
    {
        var notifier = new Notifier();
        using var waiter = notifier.Register(Alice, []);
        notifier.NotifyUser(Alice); // e.g. committed while the sync response was being computed
        Assert.True(waiter.IsWoken);
        Assert.True(await waiter.WaitAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task Times_out_and_cancels_quietly_and_unregisters()
    {
        var notifier = new Notifier();
        using (var waiter = notifier.Register(Alice, [Room]))
        {
            Assert.False(await waiter.WaitAsync(TimeSpan.FromMilliseconds(20), CancellationToken.None));
            using var cts = new CancellationTokenSource();
            await cts.CancelAsync();
            Assert.False(await waiter.WaitAsync(TimeSpan.FromSeconds(5), cts.Token));
            Assert.Equal(1, notifier.WaiterCount);
        }
        Assert.Equal(0, notifier.WaiterCount);
    }
}
