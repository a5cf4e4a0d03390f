using Microsoft.Extensions.Time.Testing;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Ephemeral;
using Myelin.Server.Streams;

namespace Myelin.Server.Tests.Ephemeral;

public class TypingTrackerTests
{
    private static readonly RoomId Room = RoomId.Parse("!r:hs");
    private static readonly UserId Alice = UserId.Parse("@alice:hs");
    private static readonly UserId Bob = UserId.Parse("@bob:hs");

    [Fact]
    public async Task Typing_is_seen_moves_the_stream_and_wakes_the_room()
    {
        var notifier = new Notifier();
        using var tracker = new TypingTracker(notifier, new FakeTimeProvider());
        using var waiter = notifier.Register(Bob, [Room]);
        long before = tracker.CurrentPosition;

        tracker.SetTyping(Room, Alice, true, TimeSpan.FromSeconds(30));

        Assert.True(await waiter.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None));
        var (users, changed) = tracker.GetTyping(Room, before);
        Assert.Equal([Alice], users);
        Assert.True(changed);
        Assert.False(tracker.GetTyping(Room, tracker.CurrentPosition).ChangedSince);
    }

    [Fact]
    public void Typing_expires_after_the_timeout_and_stopping_removes_it()
    {
        var time = new FakeTimeProvider();
        using var tracker = new TypingTracker(new Notifier(), time);
        tracker.SetTyping(Room, Alice, true, TimeSpan.FromSeconds(10));
        tracker.SetTyping(Room, Bob, true, TimeSpan.FromSeconds(60));
        long mid = tracker.CurrentPosition;

        time.Advance(TimeSpan.FromSeconds(11));
        var (users, changed) = tracker.GetTyping(Room, mid);
        Assert.Equal([Bob], users);
        Assert.True(changed);

        tracker.SetTyping(Room, Bob, false, TimeSpan.Zero);
        Assert.Empty(tracker.GetTyping(Room, 0).Users);
    }

    [Fact]
    public void Timeouts_are_capped()
    {
        var time = new FakeTimeProvider();
        using var tracker = new TypingTracker(new Notifier(), time);
        tracker.SetTyping(Room, Alice, true, TimeSpan.FromDays(1));
        time.Advance(TypingTracker.MaxTimeout + TimeSpan.FromSeconds(1));
        Assert.Empty(tracker.GetTyping(Room, 0).Users);
    }
}
