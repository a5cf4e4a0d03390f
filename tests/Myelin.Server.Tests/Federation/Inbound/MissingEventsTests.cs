using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Inbound;

/// <summary>
/// PDUs whose prev or auth events the receiver lacks: fetched from the sending server — a real Myelin holding the room
/// and serving <c>/get_missing_events</c>, <c>/state_ids</c>, <c>/event</c>, <c>/event_auth</c>.
/// spec: server-server "Checks performed on receipt of a PDU"; "GET /get_missing_events"; "GET /state_ids".
/// </summary>
public abstract class MissingEventsTests : IAsyncLifetime
{
    private FederatedHomeserver _local = null!;
    private FederatedHomeserver _origin = null!;
    private RemoteRoomEvents _toLocal = null!;
    private RemoteRoomEvents _atOrigin = null!;
    private TestUser _alice = null!;
    private RoomId _room;
    private UserId _bob;

    protected abstract TestEngine Engine { get; }

    public async Task InitializeAsync()
    {
        _local = await FederatedHomeserver.StartAsync(Engine);
        _origin = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        // Events of the origin's users, sent to the local server; and the same built against the origin's own copy.
        _toLocal = new RemoteRoomEvents(_local, _origin);
        _atOrigin = new RemoteRoomEvents(_origin, _origin);
        _alice = await _local.Server.CreateUserAsync();
        _room = RoomId.Parse(await _alice.CreateRoomAsync(new { preset = "public_chat" }));
        _bob = _toLocal.User("bob");
        await RoomMirror.CopyRoomAsync(_local, _origin, _room);
    }

    public async Task DisposeAsync()
    {
        await _local.DisposeAsync();
        await _origin.DisposeAsync();
    }

    /// <summary>Bob joins and sends <paramref name="count"/> messages at the origin (not sent to the local server).</summary>
    private async Task<(Pdu Join, List<Pdu> Messages)> BobTalksAtOriginAsync(int count)
    {
        var join = await _atOrigin.JoinAsync(_room, _bob);
        await RoomMirror.AppendAsync(_origin, join);
        var messages = new List<Pdu>();
        for (int i = 1; i <= count; i++)
        {
            var message = await _atOrigin.MessageAsync(_room, _bob, $"message {i}");
            await RoomMirror.AppendAsync(_origin, message);
            messages.Add(message);
        }
        return (join, messages);
    }

    private async Task<IReadOnlyList<string>> MessagesAsync()
    {
        var page = await MatrixAssert.OkAsync(await _alice.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(_room.Value)}/messages?dir=f&limit=100"));
        return [.. page["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Missing_prev_events_are_fetched_with_get_missing_events_and_accepted_oldest_first()
    {
        var (join, messages) = await BobTalksAtOriginAsync(2);

        var results = await _toLocal.SendAsync(messages[^1]);
        Assert.Equal("{}", results[messages[^1].EventId.Value]!.ToJsonString());

        var timeline = await MessagesAsync();
        string[] expected = [join.EventId.Value, messages[0].EventId.Value, messages[1].EventId.Value];
        Assert.Equal(expected, timeline.Where(expected.Contains));
        Assert.True(timeline.ToList().IndexOf(join.EventId.Value) < timeline.ToList().IndexOf(messages[1].EventId.Value));
        Assert.Equal([messages[1].EventId], await _toLocal.LocalDatabase.Events.GetForwardExtremitiesAsync(_room));
        Assert.Equal("join", await _alice.MembershipAsync(_room.Value, new TestUser(_local.Server, _bob, "", "", "")));
    }

    [Fact]
    public async Task A_gap_beyond_get_missing_events_is_bridged_with_the_state_at_the_prev_event()
    {
        // 12 messages: get_missing_events returns the 10 before the last; the first message and the join stay
        // unknown, so the state at the first message comes from /state_ids and the events it names from /event.
        var (join, messages) = await BobTalksAtOriginAsync(12);

        var results = await _toLocal.SendAsync(messages[^1]);
        Assert.Equal("{}", results[messages[^1].EventId.Value]!.ToJsonString());

        var timeline = await MessagesAsync();
        Assert.Equal(messages.Skip(1).Select(m => m.EventId.Value), timeline.Where(id => messages.Any(m => m.EventId.Value == id)));
        // The first message and the join are outliers: stored, checked, but not in the timeline.
        var first = await _toLocal.LocalDatabase.Events.GetEventAsync(messages[0].EventId);
        Assert.True(first!.IsOutlier);
        var storedJoin = await _toLocal.LocalDatabase.Events.GetEventAsync(join.EventId);
        Assert.True(storedJoin!.IsOutlier);
        Assert.False(storedJoin.IsRejected);

        // The room's state is the resolution of the two branches (Alice's last event and Bob's messages): Bob is joined.
        var state = await _toLocal.LocalDatabase.State.GetCurrentStateAsync(_room);
        Assert.Equal(join.EventId, state[new StateKey(EventTypes.Member, _bob.Value)]);
        string merged = await _alice.SendMessageAsync(_room.Value, "back together");
        Assert.Equal([EventId.Parse(merged)], await _toLocal.LocalDatabase.Events.GetForwardExtremitiesAsync(_room));
    }

    [Fact]
    public async Task Missing_auth_events_are_fetched_with_event_auth_and_stored_as_outliers()
    {
        var (join, _) = await BobTalksAtOriginAsync(0);
        // Bob's message cites Alice's last event (known locally) as its prev event but his join (unknown locally) as
        // an auth event: the join comes from /event_auth; the message then fails against the state before it.
        var aliceLast = (await _toLocal.LocalDatabase.Events.GetForwardExtremitiesAsync(_room)).Single();
        var originState = await _atOrigin.LocalDatabase.State.GetCurrentStateAsync(_room);
        var message = await _atOrigin.MessageAsync(_room, _bob, "from the side", prevEvents: [aliceLast], authState: originState);
        Assert.Contains(join.EventId, message.AuthEvents);
        await RoomMirror.AppendAsync(_origin, message);

        var results = await _toLocal.SendAsync(message);
        Assert.Contains("state before", results[message.EventId.Value]!["error"]!.GetValue<string>());
        var storedJoin = await _toLocal.LocalDatabase.Events.GetEventAsync(join.EventId);
        Assert.True(storedJoin!.IsOutlier);
        Assert.False(storedJoin.IsRejected);
        Assert.True((await _toLocal.LocalDatabase.Events.GetEventAsync(message.EventId))!.IsRejected);
    }
}

public sealed class MissingEventsTests_Sqlite : MissingEventsTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class MissingEventsTests_Postgres : MissingEventsTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
