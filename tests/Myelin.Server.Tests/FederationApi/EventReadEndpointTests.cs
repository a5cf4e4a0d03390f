using System.Text.Json.Nodes;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.FederationApi;

/// <summary>
/// /event, /state, /state_ids, /event_auth, /backfill and /get_missing_events as served to a server in the room and to
/// one that is not. spec: server-server "Retrieving events", "Backfilling and retrieving missing events",
/// "Retrieving event authorisation information", "Server Access Control Lists (ACLs)".
/// </summary>
public abstract class EventReadEndpointTests
{
    private readonly ReadServersFixture _f;

    protected EventReadEndpointTests(ReadServersFixture fixture) => _f = fixture;

    private static string E(string value) => Uri.EscapeDataString(value);
    private static string E(RoomId value) => Uri.EscapeDataString(value.Value);
    private static string E(EventId value) => Uri.EscapeDataString(value.Value);

    private static HashSet<string> Ids(JsonNode? array) => [.. array!.AsArray().Select(n => n!.GetValue<string>())];

    private static string? Body(JsonNode? pdu) => pdu!["content"]?["body"]?.GetValue<string>();

    private static async Task<HashSet<string>> StateIdsOfAsync(ReadServersFixture f, RoomId room, EventId at) =>
        Ids((await MatrixAssert.OkAsync(await f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/{E(room)}?event_id={E(at)}")))["pdu_ids"]);

    [Fact]
    public async Task Event_is_served_as_a_transaction_to_a_server_in_the_room_only()
    {
        var room = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(room);
        var message = await _f.SendMessageAsync(room, "hello");

        var body = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(message)}"));
        Assert.Equal(_f.Local.ServerName.Value, body["origin"]!.GetValue<string>());
        Assert.True(body["origin_server_ts"]!.GetValue<long>() > 0);
        var pdu = Assert.Single(body["pdus"]!.AsArray());
        Assert.Equal("hello", Body(pdu));
        Assert.Equal(room.Value, pdu!["room_id"]!.GetValue<string>());
        Assert.NotNull(pdu["signatures"]![_f.Local.ServerName.Value]);

        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(message)}"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E($"$unknown:{_f.Local.ServerName}")}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, "/_matrix/federation/v1/event/not-an-id"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await _f.Local.Http.GetAsync($"/_matrix/federation/v1/event/{E(message)}"), 401, "M_UNAUTHORIZED");
    }

    [Fact]
    public async Task State_ids_and_state_are_the_state_before_the_event_with_its_auth_chain()
    {
        var room = await _f.CreateRoomAsync();
        var join = await _f.JoinMemberAsync(room);
        var message = await _f.SendMessageAsync(room, "after the join");
        string bob = UserId.Create("bob", _f.Member.ServerName).Value;

        // spec: events.yaml "prior to considering any state changes induced by the requested event".
        var beforeJoin = await StateIdsOfAsync(_f, room, join);
        Assert.DoesNotContain(join.Value, beforeJoin);
        var atMessage = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/{E(room)}?event_id={E(message)}"));
        var pduIds = Ids(atMessage["pdu_ids"]);
        Assert.Contains(join.Value, pduIds);
        Assert.Equal(beforeJoin.Count + 1, pduIds.Count);
        var authChainIds = Ids(atMessage["auth_chain_ids"]);
        Assert.NotEmpty(authChainIds);

        var state = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state/{E(room)}?event_id={E(message)}"));
        var pdus = state["pdus"]!.AsArray();
        Assert.Equal(pduIds.Count, pdus.Count);
        Assert.Contains(pdus, p => p!["type"]!.GetValue<string>() == EventTypes.Member && p["state_key"]!.GetValue<string>() == bob);
        Assert.Contains(pdus, p => p!["type"]!.GetValue<string>() == EventTypes.Create);
        // The auth chain holds every event the state's auth events reference, recursively (create, power levels, members, join rules).
        var chain = state["auth_chain"]!.AsArray();
        Assert.Equal(authChainIds.Count, chain.Count);
        Assert.Contains(chain, p => p!["type"]!.GetValue<string>() == EventTypes.Create);
        Assert.Contains(chain, p => p!["type"]!.GetValue<string>() == EventTypes.PowerLevels);
        Assert.Contains(chain, p => p!["type"]!.GetValue<string>() == EventTypes.JoinRules);

        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/{E(room)}?event_id={E(message)}"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/state/{E(room)}?event_id={E(message)}"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/{E(room)}"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/{E(room)}?event_id=nope"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/not-a-room?event_id={E(message)}"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state/{E(room)}?event_id={E($"$missing:{_f.Local.ServerName}")}"), 404, "M_NOT_FOUND");
        // An event of another room is not found in this one.
        var other = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(other);
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/{E(other)}?event_id={E(message)}"), 404, "M_NOT_FOUND");
        // A room we do not know: the origin is not in it.
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/state_ids/{E($"!nowhere:{_f.Local.ServerName}")}?event_id={E(message)}"), 403, "M_FORBIDDEN");
    }

    [Fact]
    public async Task Event_auth_is_the_auth_chain_of_the_event()
    {
        var room = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(room);
        var message = await _f.SendMessageAsync(room, "hi");

        var body = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event_auth/{E(room)}/{E(message)}"));
        var chain = body["auth_chain"]!.AsArray();
        // A message's auth events: create, power levels, the sender's membership; the membership's: its join rules too.
        var types = chain.Select(p => (p!["type"]!.GetValue<string>(), p["state_key"]?.GetValue<string>())).ToList();
        Assert.Contains((EventTypes.Create, ""), types);
        Assert.Contains((EventTypes.PowerLevels, ""), types);
        Assert.Contains((EventTypes.Member, _f.Alice.UserId.Value), types);
        Assert.DoesNotContain(chain, p => Body(p) == "hi");
        Assert.Equal(types.Count, types.Distinct().Count());

        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/event_auth/{E(room)}/{E(message)}"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event_auth/{E(room)}/{E($"$missing:{_f.Local.ServerName}")}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event_auth/{E(room)}/bad"), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Backfill_walks_back_from_the_given_events_up_to_the_limit()
    {
        var room = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(room);
        var sent = new List<EventId>();
        for (int i = 1; i <= 5; i++)
        {
            sent.Add(await _f.SendMessageAsync(room, $"m{i}"));
        }

        var body = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(sent[4])}&limit=3"));
        Assert.Equal(_f.Local.ServerName.Value, body["origin"]!.GetValue<string>());
        // The given event is included; then the ones before it, newest first.
        Assert.Equal(["m5", "m4", "m3"], body["pdus"]!.AsArray().Select(Body));

        // Past the first message the walk reaches the room's creation; the limit bounds it.
        var all = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(sent[1])}&limit=100"));
        var pdus = all["pdus"]!.AsArray();
        Assert.Equal(["m2", "m1"], pdus.Take(2).Select(Body));
        Assert.Equal(EventTypes.Create, pdus[^1]!["type"]!.GetValue<string>());
        Assert.DoesNotContain(pdus, p => Body(p) is "m3" or "m4" or "m5");

        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(sent[4])}&limit=3"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?limit=3"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(sent[4])}"), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(sent[4])}&limit=many"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v=bad&limit=3"), 400, "M_INVALID_PARAM");
    }

    [Fact]
    public async Task Get_missing_events_walks_prev_events_between_earliest_and_latest()
    {
        var room = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(room);
        var sent = new List<EventId>();
        for (int i = 1; i <= 5; i++)
        {
            sent.Add(await _f.SendMessageAsync(room, $"m{i}"));
        }
        string Request(object? limit = null, long? minDepth = null) => new JsonObject
        {
            ["earliest_events"] = new JsonArray(sent[0].Value),
            ["latest_events"] = new JsonArray(sent[4].Value),
            ["limit"] = limit is null ? null : JsonValue.Create(limit),
            ["min_depth"] = minDepth,
        }.ToJsonString();
        string path = $"/_matrix/federation/v1/get_missing_events/{E(room)}";

        var body = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Post, path, Request()));
        // The latest events themselves and the earliest are not returned; oldest first.
        Assert.Equal(["m2", "m3", "m4"], body["events"]!.AsArray().Select(Body));

        var limited = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Post, path, Request(limit: 2)));
        Assert.Equal(["m3", "m4"], limited["events"]!.AsArray().Select(Body));

        var m3 = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(sent[2])}"));
        long m3Depth = m3["pdus"]![0]!["depth"]!.GetValue<long>();
        var deep = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Post, path, Request(minDepth: m3Depth)));
        Assert.Equal(["m3", "m4"], deep["events"]!.AsArray().Select(Body));

        await MatrixAssert.ErrorAsync(await _f.AsOutsiderAsync(HttpMethod.Post, path, Request()), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Post, path, """{"earliest_events":[]}"""), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Post, path, """{"earliest_events":[],"latest_events":"x"}"""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Post, path, Request(limit: "ten")), 400, "M_BAD_JSON");
    }

    [Fact]
    public async Task Events_before_the_server_joined_a_joined_only_room_are_served_redacted()
    {
        var room = await _f.CreateRoomAsync("joined");
        var secret = await _f.SendMessageAsync(room, "before bob");
        var join = await _f.JoinMemberAsync(room);
        var after = await _f.SendMessageAsync(room, "after bob");

        var backfill = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(after)}&limit=3"));
        var pdus = backfill["pdus"]!.AsArray();
        Assert.Equal("after bob", Body(pdus[0]));
        Assert.Equal(EventTypes.Member, pdus[1]!["type"]!.GetValue<string>()); // its own join: visible
        Assert.Equal("join", pdus[1]!["content"]!["membership"]!.GetValue<string>());
        // Redacted: the event stays (so the DAG is walkable) but its content is gone; hashes and signatures stay.
        Assert.Equal(EventTypes.Message, pdus[2]!["type"]!.GetValue<string>());
        Assert.Empty(pdus[2]!["content"]!.AsObject());
        Assert.NotNull(pdus[2]!["hashes"]);

        var single = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(secret)}"));
        Assert.Empty(single["pdus"]![0]!["content"]!.AsObject());
        _ = join;

        // With "shared", a server that joined later sees earlier history.
        var shared = await _f.CreateRoomAsync("shared");
        var early = await _f.SendMessageAsync(shared, "before bob");
        await _f.JoinMemberAsync(shared);
        var visible = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(early)}"));
        Assert.Equal("before bob", Body(visible["pdus"]![0]));
    }

    [Fact]
    public async Task A_world_readable_room_is_readable_by_a_server_not_in_it()
    {
        var room = await _f.CreateRoomAsync("world_readable");
        var message = await _f.SendMessageAsync(room, "public");
        var body = await MatrixAssert.OkAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(message)}"));
        Assert.Equal("public", Body(body["pdus"]![0]));
        var backfill = await MatrixAssert.OkAsync(await _f.AsOutsiderAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(message)}&limit=1"));
        Assert.Equal("public", Body(backfill["pdus"]![0]));
    }

    [Fact]
    public async Task Soft_failed_events_are_never_served()
    {
        var room = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(room);
        var softFailed = await RemoteRoomEvents.PersistAsync(_f.Local, room, UserId.Create("bob", _f.Member.ServerName), _f.Member.SigningKey,
            EventTypes.Message, null, new { msgtype = "m.text", body = "soft" }, softFailed: true);
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(softFailed.EventId)}"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event_auth/{E(room)}/{E(softFailed.EventId)}"), 404, "M_NOT_FOUND");
        var backfill = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/backfill/{E(room)}?v={E(softFailed.EventId)}&limit=10"));
        Assert.DoesNotContain(backfill["pdus"]!.AsArray(), p => Body(p) == "soft");
    }

    [Fact]
    public async Task A_server_denied_by_the_room_acl_is_forbidden_on_every_protected_endpoint()
    {
        var room = await _f.CreateRoomAsync();
        await _f.JoinMemberAsync(room);
        var message = await _f.SendMessageAsync(room, "hello");
        string[] paths =
        [
            $"/_matrix/federation/v1/state/{E(room)}?event_id={E(message)}",
            $"/_matrix/federation/v1/state_ids/{E(room)}?event_id={E(message)}",
            $"/_matrix/federation/v1/event_auth/{E(room)}/{E(message)}",
            $"/_matrix/federation/v1/backfill/{E(room)}?v={E(message)}&limit=5",
        ];
        string missing = new JsonObject { ["earliest_events"] = new JsonArray(), ["latest_events"] = new JsonArray(message.Value) }.ToJsonString();
        string missingPath = $"/_matrix/federation/v1/get_missing_events/{E(room)}";

        // Allowed by an ACL that names the host (ports are ignored: every test server is "localhost").
        await _f.SendStateAsync(room, EventTypes.ServerAcl, new JsonObject { ["allow"] = new JsonArray("localhost"), ["deny"] = new JsonArray("evil.example") });
        foreach (string path in paths)
        {
            await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, path));
        }
        await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Post, missingPath, missing));

        await _f.SendStateAsync(room, EventTypes.ServerAcl, new JsonObject { ["allow"] = new JsonArray("*"), ["deny"] = new JsonArray("local*") });
        foreach (string path in paths)
        {
            await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Get, path), 403, "M_FORBIDDEN");
        }
        await MatrixAssert.ErrorAsync(await _f.AsMemberAsync(HttpMethod.Post, missingPath, missing), 403, "M_FORBIDDEN");
    }
    [Fact]
    public async Task Event_ids_with_slashes_of_room_version_3_are_found_through_escaped_paths()
    {
        var created = await MatrixAssert.OkAsync(await _f.Alice.PostAsync("/_matrix/client/v3/createRoom",
            new JsonObject { ["preset"] = "public_chat", ["room_version"] = "3" }));
        var room = RoomId.Parse(created["room_id"]!.GetValue<string>());
        await _f.JoinMemberAsync(room);
        // Version 3 event IDs are standard base64: send until one contains '/' (about half of them do).
        EventId withSlash = default;
        for (int i = 0; i < 30 && withSlash.Value is null; i++)
        {
            var sent = await _f.SendMessageAsync(room, $"v3 {i}");
            if (sent.Value.Contains('/', StringComparison.Ordinal))
            {
                withSlash = sent;
            }
        }
        Assert.NotNull(withSlash.Value);

        var body = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(withSlash)}"));
        Assert.StartsWith("v3 ", Body(body["pdus"]![0]));
        var auth = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event_auth/{E(room)}/{E(withSlash)}"));
        Assert.Contains(auth["auth_chain"]!.AsArray(), p => p!["type"]!.GetValue<string>() == EventTypes.Create);
        var ids = await StateIdsOfAsync(_f, room, withSlash);
        Assert.NotEmpty(ids);
    }
    [Fact]
    public async Task Invited_visibility_shows_a_server_what_was_sent_after_its_user_was_invited()
    {
        var room = await _f.CreateRoomAsync("invited");
        var beforeInvite = await _f.SendMessageAsync(room, "before the invite");
        var dave = UserId.Create("dave", _f.Member.ServerName);
        await RemoteRoomEvents.PersistAsync(_f.Local, room, _f.Alice.UserId, _f.Local.SigningKey, EventTypes.Member, dave.Value, new { membership = "invite" });
        var whileInvited = await _f.SendMessageAsync(room, "while invited");
        await RemoteRoomEvents.JoinAsync(_f.Local, room, dave, _f.Member.SigningKey);

        var first = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(beforeInvite)}"));
        Assert.Empty(first["pdus"]![0]!["content"]!.AsObject());
        var second = await MatrixAssert.OkAsync(await _f.AsMemberAsync(HttpMethod.Get, $"/_matrix/federation/v1/event/{E(whileInvited)}"));
        Assert.Equal("while invited", Body(second["pdus"]![0]));
    }
}

public sealed class EventReadEndpointTests_Sqlite(ReadServersFixture.Sqlite fixture) : EventReadEndpointTests(fixture), IClassFixture<ReadServersFixture.Sqlite>;

public sealed class EventReadEndpointTests_Postgres(ReadServersFixture.Postgres fixture) : EventReadEndpointTests(fixture), IClassFixture<ReadServersFixture.Postgres>;
