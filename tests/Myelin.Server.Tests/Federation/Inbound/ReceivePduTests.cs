using System.Net;
using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Inbound;

/// <summary>
/// PDUs from a real remote server (its key fetched over federation) received through <c>PUT /send/{txnId}</c>:
/// the receive checks 1–6 as a local user sees them. spec: server-server "Checks performed on receipt of a PDU".
/// </summary>
public abstract class ReceivePduTests : IAsyncLifetime
{
    private FederatedHomeserver _local = null!;
    private FederatedHomeserver _remote = null!;
    private RemoteRoomEvents _events = null!;
    private TestUser _alice = null!;
    private RoomId _room;

    protected abstract TestEngine Engine { get; }

    public async Task InitializeAsync()
    {
        _local = await FederatedHomeserver.StartAsync(Engine);
        _remote = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        _events = new RemoteRoomEvents(_local, _remote);
        _alice = await _local.Server.CreateUserAsync();
        _room = RoomId.Parse(await _alice.CreateRoomAsync(new { preset = "public_chat" }));
    }

    public async Task DisposeAsync()
    {
        await _local.DisposeAsync();
        await _remote.DisposeAsync();
    }

    private string RoomPath => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(_room.Value)}";

    private async Task<UserId> JoinRemoteUserAsync(string localpart = "bob")
    {
        var bob = _events.User(localpart);
        var join = await _events.JoinAsync(_room, bob);
        var results = await _events.SendAsync(join);
        Assert.Equal("{}", results[join.EventId.Value]!.ToJsonString());
        return bob;
    }

    private async Task<HttpStatusCode> GetEventStatusAsync(EventId id) =>
        (await _alice.GetAsync($"{RoomPath}/event/{Uri.EscapeDataString(id.Value)}")).StatusCode;

    private async Task<IReadOnlyList<string>> MessagesAsync()
    {
        var page = await MatrixAssert.OkAsync(await _alice.GetAsync($"{RoomPath}/messages?dir=b&limit=50"));
        return [.. page["chunk"]!.AsArray().Select(e => e!["event_id"]!.GetValue<string>())];
    }

    [Fact]
    public async Task A_remote_join_and_message_are_accepted_and_reach_local_clients()
    {
        var since = SyncClient.NextBatch(await _alice.SyncAsync());
        var bob = await JoinRemoteUserAsync();
        var message = await _events.MessageAsync(_room, bob, "hello from afar");
        var results = await _events.SendAsync(message);
        Assert.Equal("{}", results[message.EventId.Value]!.ToJsonString());

        var sync = await _alice.SyncAsync(since);
        var timeline = SyncClient.TimelineEvents(sync, _room);
        var received = timeline.Single(e => e!["event_id"]!.GetValue<string>() == message.EventId.Value)!;
        Assert.Equal("hello from afar", received["content"]!["body"]!.GetValue<string>());
        Assert.Equal(bob.Value, received["sender"]!.GetValue<string>());
        Assert.Contains(timeline, e => e!["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == bob.Value);

        Assert.Equal(message.EventId.Value, (await MessagesAsync())[0]);
        var members = await MatrixAssert.OkAsync(await _alice.GetAsync($"{RoomPath}/joined_members"));
        Assert.NotNull(members["joined"]![bob.Value]);
        // The message is the room's only forward extremity: the next local event follows it.
        Assert.Equal([message.EventId], await _events.LocalDatabase.Events.GetForwardExtremitiesAsync(_room));
        string reply = await _alice.SendMessageAsync(_room.Value, "welcome");
        var replyEvent = await _events.LocalDatabase.Events.GetEventAsync(EventId.Parse(reply));
        Assert.Contains(message.EventId.Value, System.Text.Encoding.UTF8.GetString(replyEvent!.Json.Span));
    }

    [Fact]
    public async Task An_event_held_as_an_outlier_takes_its_place_in_the_timeline_when_it_arrives_in_a_transaction()
    {
        var bob = await JoinRemoteUserAsync();
        // Bob's new display name, first learnt as an outlier (as when it was fetched to authorise another event).
        var topic = await _events.BuildAsync(_room, bob, "m.room.member", new { membership = "join", displayname = "Bob from afar" }, stateKey: bob.Value);
        await _events.LocalDatabase.Events.PersistAsync(new Myelin.Storage.Events.PersistEventRequest(topic) { IsOutlier = true });
        var since = SyncClient.NextBatch(await _alice.SyncAsync());

        // spec: server-server "Checks performed on receipt of a PDU" — the event arrives with its place in the DAG.
        var results = await _events.SendAsync(topic);
        Assert.Equal("{}", results[topic.EventId.Value]!.ToJsonString());

        var timeline = SyncClient.TimelineEvents(await _alice.SyncAsync(since), _room);
        Assert.Contains(timeline, e => e!["event_id"]!.GetValue<string>() == topic.EventId.Value);
        Assert.Equal(topic.EventId.Value, (await MessagesAsync())[0]);
        var current = await MatrixAssert.OkAsync(await _alice.GetAsync($"{RoomPath}/state/m.room.member/{Uri.EscapeDataString(bob.Value)}"));
        Assert.Equal("Bob from afar", current["displayname"]!.GetValue<string>());
        Assert.Equal([topic.EventId], await _events.LocalDatabase.Events.GetForwardExtremitiesAsync(_room));
        // Sent again: known, nothing changes.
        results = await _events.SendAsync(topic);
        Assert.Equal("{}", results[topic.EventId.Value]!.ToJsonString());
        Assert.Single(await MessagesAsync(), id => id == topic.EventId.Value);
    }

    [Fact]
    public async Task An_event_with_a_bad_signature_is_dropped_with_an_error()
    {
        var bob = await JoinRemoteUserAsync();
        var message = RemoteRoomEvents.ToJson(await _events.MessageAsync(_room, bob, "signed"));
        // Changing a field outside content breaks the signature (a content change would only break the hash).
        message["origin_server_ts"] = message["origin_server_ts"]!.GetValue<long>() + 1;
        var results = await _events.SendAsync(message);
        var (id, result) = Assert.Single(results);
        Assert.Contains("signature", result!["error"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Null(await _events.LocalDatabase.Events.GetEventAsync(EventId.Parse(id)));
    }

    [Fact]
    public async Task An_event_with_a_bad_content_hash_is_stored_redacted()
    {
        var bob = await JoinRemoteUserAsync();
        var pdu = await _events.MessageAsync(_room, bob, "original");
        var tampered = RemoteRoomEvents.ToJson(pdu);
        tampered["content"]!["body"] = "tampered";
        var results = await _events.SendAsync(tampered);
        Assert.Equal("{}", results[pdu.EventId.Value]!.ToJsonString());

        var served = await MatrixAssert.OkAsync(await _alice.GetAsync($"{RoomPath}/event/{Uri.EscapeDataString(pdu.EventId.Value)}"));
        Assert.Equal("{}", served["content"]!.ToJsonString());
    }

    [Fact]
    public async Task An_event_failing_the_auth_rules_is_rejected_stored_and_never_served()
    {
        // Carol never joined: her message fails the auth rules (sender not in the room).
        var carol = _events.User("carol");
        var message = await _events.MessageAsync(_room, carol, "let me in");
        var results = await _events.SendAsync(message);
        Assert.Contains("auth rule", results[message.EventId.Value]!["error"]!.GetValue<string>());

        var stored = await _events.LocalDatabase.Events.GetEventAsync(message.EventId);
        Assert.True(stored!.IsRejected);
        Assert.Equal(HttpStatusCode.NotFound, await GetEventStatusAsync(message.EventId));
        Assert.DoesNotContain(message.EventId.Value, await MessagesAsync());
        Assert.DoesNotContain(message.EventId, await _events.LocalDatabase.Events.GetForwardExtremitiesAsync(_room));

        // Sent again, it is known as rejected and not processed again.
        var again = await _events.SendAsync(message);
        Assert.NotNull(again[message.EventId.Value]!["error"]);
    }

    [Fact]
    public async Task An_event_citing_a_rejected_auth_event_is_rejected()
    {
        var bob = await JoinRemoteUserAsync();
        // Bob (power 0) raises himself to 100: rejected. His next message cites that event as its power levels.
        var state = await _events.LocalDatabase.State.GetCurrentStateAsync(_room);
        var levels = await MatrixAssert.OkAsync(await _alice.GetAsync($"{RoomPath}/state/m.room.power_levels/"));
        levels["users"]![bob.Value] = 100;
        var grab = await _events.BuildAsync(_room, bob, EventTypes.PowerLevels, levels, stateKey: "");
        Assert.NotNull((await _events.SendAsync(grab))[grab.EventId.Value]!["error"]);
        Assert.True((await _events.LocalDatabase.Events.GetEventAsync(grab.EventId))!.IsRejected);

        var withRejected = new Dictionary<StateKey, EventId>(state) { [new StateKey(EventTypes.PowerLevels, "")] = grab.EventId };
        var message = await _events.MessageAsync(_room, bob, "I am in charge", authState: withRejected);
        Assert.Contains(grab.EventId, message.AuthEvents);
        var results = await _events.SendAsync(message);
        Assert.Contains("rejected", results[message.EventId.Value]!["error"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, await GetEventStatusAsync(message.EventId));
        // The rejected power levels never became state.
        Assert.NotEqual(grab.EventId, (await _events.LocalDatabase.State.GetCurrentStateAsync(_room))[new StateKey(EventTypes.PowerLevels, "")]);
    }

    [Fact]
    public async Task Events_in_a_room_version_10_room_are_accepted()
    {
        // Room version 10 lists the create event among auth events (v12, the default, does not).
        _room = RoomId.Parse(await _alice.CreateRoomAsync(new { preset = "public_chat", room_version = "10" }));
        var bob = await JoinRemoteUserAsync();
        var message = await _events.MessageAsync(_room, bob, "v10");
        Assert.Equal("{}", (await _events.SendAsync(message))[message.EventId.Value]!.ToJsonString());
        Assert.Equal(message.EventId.Value, (await MessagesAsync())[0]);
    }

    [Fact]
    public async Task A_message_from_a_user_banned_in_the_current_state_is_soft_failed()
    {
        var bob = await JoinRemoteUserAsync();
        var first = await _events.MessageAsync(_room, bob, "before the ban");
        await _events.SendAsync(first);
        var stateAtFirst = (await _events.LocalDatabase.State.GetStateAfterEventAsync(first.EventId))!;

        await MatrixAssert.OkAsync(await _alice.RoomPostAsync(_room.Value, "ban", new { user_id = bob.Value, reason = "spam" }));

        // Bob's server pretends not to have seen the ban: the message passes its auth events and the state before it,
        // but not the room's current state.
        var evading = await _events.MessageAsync(_room, bob, "after the ban", prevEvents: [first.EventId], authState: stateAtFirst);
        var results = await _events.SendAsync(evading);
        Assert.Equal("{}", results[evading.EventId.Value]!.ToJsonString());

        var stored = await _events.LocalDatabase.Events.GetEventAsync(evading.EventId);
        Assert.True(stored!.IsSoftFailed);
        Assert.False(stored.IsRejected);
        Assert.DoesNotContain(evading.EventId.Value, await MessagesAsync());
        Assert.DoesNotContain(evading.EventId, await _events.LocalDatabase.Events.GetForwardExtremitiesAsync(_room));
        var sync = await _alice.SyncAsync();
        Assert.DoesNotContain(evading.EventId.Value, SyncClient.TimelineIds(sync, _room));
    }

    [Fact]
    public async Task A_concurrent_fork_is_resolved_into_the_current_state()
    {
        var bob = await JoinRemoteUserAsync();
        var fork = (await _events.LocalDatabase.Events.GetForwardExtremitiesAsync(_room)).Single();
        var stateAtFork = (await _events.LocalDatabase.State.GetStateAfterEventAsync(fork))!;

        // Alice names the room while Bob, from the same point of the DAG, changes his display name.
        await _alice.SetStateAsync(_room.Value, "m.room.name", "", new { name = "Local name" });
        var rename = await _events.BuildAsync(_room, bob, EventTypes.Member, new { membership = "join", displayname = "Bobby" },
            stateKey: bob.Value, prevEvents: [fork], authState: stateAtFork);
        var results = await _events.SendAsync(rename);
        Assert.Equal("{}", results[rename.EventId.Value]!.ToJsonString());

        // Both branches are forward extremities and the current state holds both changes.
        var extremities = await _events.LocalDatabase.Events.GetForwardExtremitiesAsync(_room);
        Assert.Equal(2, extremities.Count);
        Assert.Contains(rename.EventId, extremities);
        var state = await _events.LocalDatabase.State.GetCurrentStateAsync(_room);
        Assert.Equal(rename.EventId, state[new StateKey(EventTypes.Member, bob.Value)]);
        Assert.True(state.ContainsKey(new StateKey("m.room.name", "")));

        // The next local event merges the fork.
        string merge = await _alice.SendMessageAsync(_room.Value, "merged");
        Assert.Equal([EventId.Parse(merge)], await _events.LocalDatabase.Events.GetForwardExtremitiesAsync(_room));
    }

    [Fact]
    public async Task An_event_whose_prev_events_the_origin_cannot_provide_is_dropped_and_not_stored()
    {
        var bob = await JoinRemoteUserAsync();
        // The remote server does not hold the room: it cannot answer get_missing_events, /state_ids or /event.
        var unknownPrev = EventId.Parse("$" + new string('a', 43));
        var message = await _events.MessageAsync(_room, bob, "out of nowhere", prevEvents: [unknownPrev],
            authState: await _events.LocalDatabase.State.GetCurrentStateAsync(_room));
        var results = await _events.SendAsync(message);
        Assert.Contains("state before", results[message.EventId.Value]!["error"]!.GetValue<string>());
        Assert.Null(await _events.LocalDatabase.Events.GetEventAsync(message.EventId));
        Assert.Null(await _events.LocalDatabase.Events.GetEventAsync(unknownPrev));
    }

    [Fact]
    public async Task A_pdu_for_an_unknown_room_is_ignored_and_an_already_known_event_is_idempotent()
    {
        var bob = await JoinRemoteUserAsync();
        var message = await _events.MessageAsync(_room, bob, "once");
        Assert.Equal("{}", (await _events.SendAsync(message))[message.EventId.Value]!.ToJsonString());
        Assert.Equal("{}", (await _events.SendAsync(message))[message.EventId.Value]!.ToJsonString());
        var page = await MessagesAsync();
        Assert.Single(page, id => id == message.EventId.Value);

        var unknownRoom = RemoteRoomEvents.ToJson(message);
        unknownRoom["room_id"] = $"!nowhere:{_remote.ServerName}";
        var results = await _events.SendAsync(unknownRoom);
        // Without the room's version its event ID cannot be computed: no result for it, and nothing stored.
        Assert.Empty(results);
    }

    /// <summary>spec: rooms/v3 "Handling redactions": the auth rules accept the redaction, the server does not apply it.</summary>
    [Fact]
    public async Task A_remote_redaction_without_power_of_another_servers_event_is_kept_but_not_applied()
    {
        var bob = await JoinRemoteUserAsync();
        string aliceMessage = await _alice.SendMessageAsync(_room.Value, "alice's words");
        var bobMessage = await _events.MessageAsync(_room, bob, "bob's words");
        Assert.Equal("{}", (await _events.SendAsync(bobMessage))[bobMessage.EventId.Value]!.ToJsonString());

        // Bob (power 0, redact needs 50) redacts alice's message: accepted by the auth rules, but alice's stays whole.
        var forged = await _events.BuildAsync(_room, bob, "m.room.redaction", new { redacts = aliceMessage, reason = "mine now" });
        Assert.Equal("{}", (await _events.SendAsync(forged))[forged.EventId.Value]!.ToJsonString());
        var alices = await MatrixAssert.OkAsync(await _alice.GetAsync($"{RoomPath}/event/{Uri.EscapeDataString(aliceMessage)}"));
        Assert.Equal("alice's words", alices["content"]!["body"]!.GetValue<string>());
        Assert.Null(alices["unsigned"]?["redacted_because"]);

        // Redacting his own (same server) message works.
        var own = await _events.BuildAsync(_room, bob, "m.room.redaction", new { redacts = bobMessage.EventId.Value });
        Assert.Equal("{}", (await _events.SendAsync(own))[own.EventId.Value]!.ToJsonString());
        var bobs = await MatrixAssert.OkAsync(await _alice.GetAsync($"{RoomPath}/event/{Uri.EscapeDataString(bobMessage.EventId.Value)}"));
        Assert.Null(bobs["content"]!["body"]);
        Assert.NotNull(bobs["unsigned"]?["redacted_because"]);
    }

}

public sealed class ReceivePduTests_Sqlite : ReceivePduTests
{
    protected override TestEngine Engine => TestEngine.Sqlite;
}

public sealed class ReceivePduTests_Postgres : ReceivePduTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
