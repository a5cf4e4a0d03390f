using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Rooms;

public class RoomEventTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Send_is_idempotent_per_transaction_and_events_are_readable_by_members(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });

        string first = await alice.SendMessageAsync(room, "once", txnId: "txn1");
        string again = await alice.SendMessageAsync(room, "once", txnId: "txn1");
        Assert.Equal(first, again);
        string other = await alice.SendMessageAsync(room, "twice", txnId: "txn2");
        Assert.NotEqual(first, other);

        var e = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"event/{Uri.EscapeDataString(first)}"));
        Assert.Equal(first, e["event_id"]!.GetValue<string>());
        Assert.Equal("m.room.message", e["type"]!.GetValue<string>());
        Assert.Equal("once", e["content"]!["body"]!.GetValue<string>());
        Assert.Equal(room, e["room_id"]!.GetValue<string>());
        Assert.Equal("txn1", e["unsigned"]!["transaction_id"]!.GetValue<string>());

        // Non-members cannot send or read (shared history: a later joiner can read it).
        await MatrixAssert.ErrorAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/t", new { body = "x" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await bob.RoomGetAsync(room, $"event/{Uri.EscapeDataString(first)}"), 404, "M_NOT_FOUND");
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        var seen = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, $"event/{Uri.EscapeDataString(first)}"));
        Assert.Null(seen["unsigned"]?["transaction_id"]);
        // The same txnId from another user is a different transaction.
        string bobs = await bob.SendMessageAsync(room, "mine", txnId: "txn1");
        Assert.NotEqual(first, bobs);

        await MatrixAssert.ErrorAsync(await alice.RoomGetAsync(room, "event/%24unknown"), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.RoomGetAsync(room, "event/nonsense"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/t3", "[1]"), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/t4", "{"), 400, "M_NOT_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString($"!nope:{server.ServerName}")}/send/m.room.message/t5", new { }), 404, "M_NOT_FOUND");
        string big = new('x', 70_000);
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.message/t6", new { body = big }), 413, "M_TOO_LARGE");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task State_is_read_by_members_and_written_per_power_levels(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        var eve = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat", name = "Original" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));

        // Power levels: bob (0) may not set the name (50); alice may.
        await MatrixAssert.ErrorAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.name", new { name = "Bob's" }), 403, "M_FORBIDDEN");
        string nameEvent = await alice.SetStateAsync(room, "m.room.name", "", new { name = "Renamed" });
        Assert.StartsWith("$", nameEvent, StringComparison.Ordinal);
        // Trailing slash and no slash are the same empty state key.
        Assert.Equal("Renamed", (await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "state/m.room.name")))["name"]!.GetValue<string>());
        Assert.Equal("Renamed", (await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "state/m.room.name/")))["name"]!.GetValue<string>());
        var full = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "state/m.room.name/?format=event"));
        Assert.Equal(nameEvent, full["event_id"]!.GetValue<string>());
        Assert.Equal("Original", full["unsigned"]!["prev_content"]!["name"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await bob.RoomGetAsync(room, "state/m.room.name?format=xml"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.RoomGetAsync(room, "state/m.room.avatar"), 404, "M_NOT_FOUND");

        // Raising bob's power lets him set state with a non-empty key.
        await alice.SetStateAsync(room, "m.room.power_levels", "", new
        {
            users = new Dictionary<string, int> { [bob.UserId.Value] = 50 },
            state_default = 50,
            events = new Dictionary<string, int> { ["m.room.power_levels"] = 100 },
        });
        await bob.SetStateAsync(room, "org.example.widget", "w1", new { url = "https://example.org" });
        Assert.Equal("https://example.org", (await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, "state/org.example.widget/w1")))["url"]!.GetValue<string>());
        // ... but not above his own level.
        await MatrixAssert.ErrorAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.power_levels/",
            new { users = new Dictionary<string, int> { [bob.UserId.Value] = 100 } }), 403, "M_FORBIDDEN");

        // Member events via PUT state: own leave allowed, another user's join refused.
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.member/{Uri.EscapeDataString(eve.UserId.Value)}",
            new { membership = "join" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.member/notauser",
            new { membership = "join" }), 400, "M_BAD_JSON");

        // Non-members cannot read state; a former member reads it as of their leave.
        await MatrixAssert.ErrorAsync(await eve.RoomGetAsync(room, "state"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await eve.RoomGetAsync(room, "state/m.room.name"), 403, "M_FORBIDDEN");
        await bob.SetStateAsync(room, "m.room.member", bob.UserId.Value, new { membership = "leave" });
        await alice.SetStateAsync(room, "m.room.topic", "", new { topic = "after bob left" });
        var bobState = await bob.GetStateAsync(room);
        Assert.DoesNotContain(bobState, e => e!["type"]!.GetValue<string>() == "m.room.topic");
        Assert.Equal("Renamed", (await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "state/m.room.name")))["name"]!.GetValue<string>());
        await MatrixAssert.ErrorAsync(await bob.RoomGetAsync(room, "state/m.room.topic"), 404, "M_NOT_FOUND");

        // Bodies must be JSON objects; too large state is refused.
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.topic", "\"text\""), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.topic",
            new { topic = new string('t', 70_000) }), 413, "M_TOO_LARGE");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Canonical_alias_must_point_to_the_room(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { room_alias_name = "home" });
        string other = await alice.CreateRoomAsync(new { room_alias_name = "other" });
        string home = $"#home:{server.ServerName}";
        string otherAlias = $"#other:{server.ServerName}";
        string path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/state/m.room.canonical_alias";

        await MatrixAssert.ErrorAsync(await alice.PutAsync(path, new { alias = otherAlias }), 400, "M_BAD_ALIAS");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(path, new { alias = home, alt_aliases = new[] { $"#missing:{server.ServerName}" } }), 400, "M_BAD_ALIAS");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(path, new { alias = "not an alias" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(path, new { alias = home, alt_aliases = "x" }), 400, "M_BAD_JSON");
        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString($"#alt:{server.ServerName}")}", new { room_id = room }));
        await alice.SetStateAsync(room, "m.room.canonical_alias", "", new { alias = home, alt_aliases = new[] { $"#alt:{server.ServerName}" } });
        Assert.NotEqual(room, other);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Redactions_need_the_sender_or_the_redact_power(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        string alicesMessage = await alice.SendMessageAsync(room, "secret");
        string bobsMessage = await bob.SendMessageAsync(room, "oops");
        string Path(string eventId, string txn) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/redact/{Uri.EscapeDataString(eventId)}/{txn}";

        // Bob may redact his own message but not Alice's.
        await MatrixAssert.ErrorAsync(await bob.PutAsync(Path(alicesMessage, "r1"), new { reason = "no" }), 403, "M_FORBIDDEN");
        var own = await MatrixAssert.OkAsync(await bob.PutAsync(Path(bobsMessage, "r2"), new { reason = "typo" }));
        var again = await MatrixAssert.OkAsync(await bob.PutAsync(Path(bobsMessage, "r2"), new { reason = "typo" }));
        Assert.Equal(own["event_id"]!.GetValue<string>(), again["event_id"]!.GetValue<string>());
        var redacted = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"event/{Uri.EscapeDataString(bobsMessage)}"));
        Assert.Empty(redacted["content"]!.AsObject());
        Assert.Equal(own["event_id"]!.GetValue<string>(), redacted["unsigned"]!["redacted_because"]!["event_id"]!.GetValue<string>());
        var redaction = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"event/{Uri.EscapeDataString(own["event_id"]!.GetValue<string>())}"));
        Assert.Equal(bobsMessage, redaction["content"]!["redacts"]!.GetValue<string>());
        Assert.Equal("typo", redaction["content"]!["reason"]!.GetValue<string>());

        // Alice (moderator) may redact Bob's events; unknown events are not found.
        string bobsSecond = await bob.SendMessageAsync(room, "spam");
        await MatrixAssert.OkAsync(await alice.PutAsync(Path(bobsSecond, "r3"), new { }));
        await MatrixAssert.ErrorAsync(await alice.PutAsync(Path("$unknown", "r4"), new { }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.PutAsync(Path(alicesMessage, "r5"), new { reason = 5 }), 400, "M_BAD_JSON");

        // A redaction sent through /send gets the same check.
        await MatrixAssert.ErrorAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/send/m.room.redaction/r6",
            new { redacts = alicesMessage }), 403, "M_FORBIDDEN");

        // v10: redacts is a top-level key; the same rules apply.
        string v10 = await alice.CreateRoomAsync(new { preset = "public_chat", room_version = "10" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(v10, "join"));
        string v10Message = await alice.SendMessageAsync(v10, "old room");
        await MatrixAssert.ErrorAsync(await bob.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(v10)}/redact/{Uri.EscapeDataString(v10Message)}/x", new { }), 403, "M_FORBIDDEN");
        var v10Redaction = await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(v10)}/redact/{Uri.EscapeDataString(v10Message)}/x", new { }));
        var v10Event = await MatrixAssert.OkAsync(await bob.RoomGetAsync(v10, $"event/{Uri.EscapeDataString(v10Redaction["event_id"]!.GetValue<string>())}"));
        Assert.Equal(v10Message, v10Event["redacts"]!.GetValue<string>());
        Assert.Empty((await MatrixAssert.OkAsync(await bob.RoomGetAsync(v10, $"event/{Uri.EscapeDataString(v10Message)}")))["content"]!.AsObject());
    }
}
