using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Rooms;

public class MembershipTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Join_leave_kick_ban_unban_follow_the_auth_rules(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync(displayName: "Bobby");
        var carol = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });

        // Bob joins the public room by ID; his member event carries his profile and the reason.
        var joined = await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join", new { reason = "hi" }));
        Assert.Equal(room, joined["room_id"]!.GetValue<string>());
        var member = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, $"state/m.room.member/{bob.UserId}"));
        Assert.Equal("join", member["membership"]!.GetValue<string>());
        Assert.Equal("Bobby", member["displayname"]!.GetValue<string>());
        Assert.Equal("hi", member["reason"]!.GetValue<string>());

        // Bob (power 0) cannot kick or ban; the error names the auth rule.
        var refused = await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "kick", new { user_id = alice.UserId.Value }), 403, "M_FORBIDDEN");
        Assert.Contains("rule", refused["error"]!.GetValue<string>(), StringComparison.Ordinal);
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "ban", new { user_id = carol.UserId.Value }), 403, "M_FORBIDDEN");

        // A kicked user may rejoin a public room.
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "kick", new { user_id = bob.UserId.Value, reason = "cool off" }));
        var kicked = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"state/m.room.member/{bob.UserId}?format=event"));
        Assert.Equal("leave", kicked["content"]!["membership"]!.GetValue<string>());
        Assert.Equal(alice.UserId.Value, kicked["sender"]!.GetValue<string>());
        Assert.Equal("cool off", kicked["content"]!["reason"]!.GetValue<string>());
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(room)}?server_name=elsewhere.example", new { }));

        // A banned user cannot rejoin until unbanned.
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "ban", new { user_id = bob.UserId.Value, reason = "spam" }));
        Assert.Equal("ban", await alice.MembershipAsync(room, bob));
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "join"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "kick", new { user_id = bob.UserId.Value }), 403, "M_FORBIDDEN");
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "unban", new { user_id = bob.UserId.Value }));
        Assert.Equal("leave", await alice.MembershipAsync(room, bob));
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "unban", new { user_id = bob.UserId.Value }), 403, "M_FORBIDDEN");
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));

        // Leaving; leaving again is refused.
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "leave", new { reason = "bye" }));
        Assert.Equal("leave", await alice.MembershipAsync(room, bob));
        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "leave"), 403, "M_FORBIDDEN");

        // Bad input.
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "kick", new { }), 400, "M_MISSING_PARAM");
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "ban", new { user_id = "nobody" }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "ban", new { user_id = 5 }), 400, "M_BAD_JSON");
        await MatrixAssert.ErrorAsync(await alice.PostAsync("/_matrix/client/v3/rooms/not-a-room/join", new { }), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await alice.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString($"!missing:{server.ServerName}")}/join", new { }), 404, "M_NOT_FOUND");
        // A room of an unreachable server: the join is tried over federation and fails as Synapse's does (502).
        var remote = await MatrixAssert.ErrorAsync(await alice.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString("!abc:remote.example")}", new { }), 502, "M_UNKNOWN");
        Assert.Contains("remote.example", remote["error"]!.GetValue<string>(), StringComparison.Ordinal);
        await MatrixAssert.ErrorAsync(await alice.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString("#nope:remote.example")}", new { }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await server.Http.PostJsonAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/leave", new { }), 401, "M_MISSING_TOKEN");
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Invites_are_needed_for_private_rooms_and_can_be_rejected(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        var carol = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "private_chat", room_alias_name = "secret" });

        await MatrixAssert.ErrorAsync(await bob.RoomPostAsync(room, "join"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString($"#secret:{server.ServerName}")}", new { }), 403, "M_FORBIDDEN");
        // A non-member cannot invite.
        await MatrixAssert.ErrorAsync(await carol.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value }), 403, "M_FORBIDDEN");

        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value, reason = "join us" }));
        var invite = await MatrixAssert.OkAsync(await alice.RoomGetAsync(room, $"state/m.room.member/{bob.UserId}"));
        Assert.Equal("invite", invite["membership"]!.GetValue<string>());
        Assert.Equal("join us", invite["reason"]!.GetValue<string>());
        Assert.Equal(bob.UserId.Localpart, invite["displayname"]!.GetValue<string>());

        // Bob rejects (leave), then is invited again and joins through the alias.
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "leave"));
        Assert.Equal("leave", await alice.MembershipAsync(room, bob));
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value }));
        await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString($"#secret:{server.ServerName}")}", new { }));
        Assert.Equal("join", await alice.MembershipAsync(room, bob));

        // Inviting someone already joined is refused by the auth rules; unknown users are refused, unreachable servers' users cannot be invited.
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "invite", new { user_id = bob.UserId.Value }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "invite", new { user_id = $"@ghost:{server.ServerName}" }), 404, "M_NOT_FOUND");
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "invite", new { user_id = "@someone:remote.example" }), 502, "M_UNKNOWN");
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "invite", new { medium = "email", address = "a@b.c", id_server = "id.example" }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await alice.RoomPostAsync(room, "invite", new { }), 400, "M_MISSING_PARAM");

        var rooms = await MatrixAssert.OkAsync(await carol.GetAsync("/_matrix/client/v3/joined_rooms"));
        Assert.Empty(rooms["joined_rooms"]!.AsArray());
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Knocking_and_guest_access(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync();
        var bob = await server.CreateUserAsync();
        var guest = await server.CreateUserAsync(isGuest: true);

        string knockRoom = await alice.CreateRoomAsync(new
        {
            initial_state = new[] { new { type = "m.room.join_rules", state_key = "", content = new { join_rule = "knock" } } },
        });
        var knocked = await MatrixAssert.OkAsync(await bob.PostAsync($"/_matrix/client/v3/knock/{Uri.EscapeDataString(knockRoom)}", new { reason = "let me in" }));
        Assert.Equal(knockRoom, knocked["room_id"]!.GetValue<string>());
        Assert.Equal("knock", await alice.MembershipAsync(knockRoom, bob));
        // Knocking twice is refused; the knock is accepted with an invite.
        await MatrixAssert.ErrorAsync(await alice.PostAsync($"/_matrix/client/v3/knock/{Uri.EscapeDataString(knockRoom)}", new { }), 403, "M_FORBIDDEN");
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(knockRoom, "invite", new { user_id = bob.UserId.Value }));
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(knockRoom, "join"));

        // Knocking on a public room or a v6 room is refused.
        string publicRoom = await alice.CreateRoomAsync(new { preset = "public_chat" });
        var carol = await server.CreateUserAsync();
        await MatrixAssert.ErrorAsync(await carol.PostAsync($"/_matrix/client/v3/knock/{Uri.EscapeDataString(publicRoom)}", new { }), 403, "M_FORBIDDEN");
        // Knocking is not among the endpoints the spec opens to guests (modules/guest_access.md).
        await MatrixAssert.ErrorAsync(await guest.PostAsync($"/_matrix/client/v3/knock/{Uri.EscapeDataString(knockRoom)}", new { }), 403, "M_GUEST_ACCESS_FORBIDDEN");
        string v6 = await alice.CreateRoomAsync(new { room_version = "6" });
        await MatrixAssert.ErrorAsync(await bob.PostAsync($"/_matrix/client/v3/knock/{Uri.EscapeDataString(v6)}", new { }), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await bob.PostAsync($"/_matrix/client/v3/knock/{Uri.EscapeDataString("#nope:" + server.ServerName)}", new { }), 404, "M_NOT_FOUND");

        // Guests: public_chat forbids guest access; a room with can_join lets them in.
        await MatrixAssert.ErrorAsync(await guest.RoomPostAsync(publicRoom, "join"), 403, "M_GUEST_ACCESS_FORBIDDEN");
        await alice.SetStateAsync(publicRoom, "m.room.guest_access", "", new { guest_access = "can_join" });
        await MatrixAssert.OkAsync(await guest.RoomPostAsync(publicRoom, "join"));
        Assert.Equal("join", await alice.MembershipAsync(publicRoom, guest));
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Members_and_joined_members(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.CreateUserAsync(displayName: "Alice");
        var bob = await server.CreateUserAsync(displayName: "Bob");
        var carol = await server.CreateUserAsync();
        var dave = await server.CreateUserAsync();
        string room = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "join"));
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(room, "invite", new { user_id = carol.UserId.Value }));

        var members = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "members"));
        var chunk = members["chunk"]!.AsArray().Select(e => e!.AsObject()).ToArray();
        Assert.Equal(3, chunk.Length);
        Assert.All(chunk, e => Assert.Equal("m.room.member", e["type"]!.GetValue<string>()));
        Assert.Equal([alice.UserId.Value, bob.UserId.Value], (await MemberIds(bob, room, "membership=join")).Order(StringComparer.Ordinal));
        Assert.Equal([carol.UserId.Value], await MemberIds(bob, room, "not_membership=join"));
        Assert.Equal([carol.UserId.Value], await MemberIds(bob, room, "membership=invite"));

        var joined = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, "joined_members"));
        var map = joined["joined"]!.AsObject();
        Assert.Equal(2, map.Count);
        Assert.Equal("Alice", map[alice.UserId.Value]!["display_name"]!.GetValue<string>());
        Assert.Equal("Bob", map[bob.UserId.Value]!["display_name"]!.GetValue<string>());

        // `at` a point before Bob joined: only Alice. Tokens are sync tokens (s<events>_...).
        var database = server.Services.GetRequiredService<Myelin.Storage.MyelinDatabase>();
        var bobJoin = await database.Memberships.GetMembershipAsync(Myelin.Protocol.Identifiers.RoomId.Parse(room), bob.UserId);
        string before = $"s{bobJoin!.StreamPosition.Value - 1}_0_0_0_0_0_0_0";
        Assert.Equal([alice.UserId.Value], await MemberIds(bob, room, "at=" + before));
        await MatrixAssert.ErrorAsync(await bob.RoomGetAsync(room, "members?at=garbage"), 400, "M_INVALID_PARAM");
        await MatrixAssert.ErrorAsync(await bob.RoomGetAsync(room, "members?membership=party"), 400, "M_INVALID_PARAM");

        // Non-members may not read members; an invitee is not joined either.
        await MatrixAssert.ErrorAsync(await dave.RoomGetAsync(room, "members"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await dave.RoomGetAsync(room, "joined_members"), 403, "M_FORBIDDEN");
        await MatrixAssert.ErrorAsync(await carol.RoomGetAsync(room, "joined_members"), 403, "M_FORBIDDEN");

        // A member who left sees the members as of their leave.
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(room, "leave"));
        await MatrixAssert.OkAsync(await dave.RoomPostAsync(room, "join"));
        var afterLeave = await MemberIds(bob, room, null);
        Assert.DoesNotContain(dave.UserId.Value, afterLeave);
        Assert.Contains(bob.UserId.Value, afterLeave);
    }

    private static async Task<string[]> MemberIds(TestUser user, string room, string? query)
    {
        var members = await MatrixAssert.OkAsync(await user.RoomGetAsync(room, "members" + (query is null ? "" : "?" + query)));
        return [.. members["chunk"]!.AsArray().Select(e => e!["state_key"]!.GetValue<string>())];
    }
}
