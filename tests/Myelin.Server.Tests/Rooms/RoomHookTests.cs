using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Rooms;

/// <summary>The room side of profile changes and account deactivation (hooks the accounts and profile services call).</summary>
public class RoomHookTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task A_profile_change_updates_the_member_event_in_every_joined_room(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        string first = await alice.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await bob.RoomPostAsync(first, "join"));
        string second = await bob.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(second, "join", new { reason = "hello" }));
        string left = await alice.CreateRoomAsync();
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(left, "leave"));

        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(alice.UserId.Value)}/displayname", new { displayname = "Alice Liddell" }));
        await MatrixAssert.OkAsync(await alice.PutAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(alice.UserId.Value)}/avatar_url", new { avatar_url = "mxc://localhost/abc" }));

        foreach (string room in new[] { first, second })
        {
            var member = await MatrixAssert.OkAsync(await bob.RoomGetAsync(room, $"state/m.room.member/{alice.UserId}?format=event"));
            Assert.Equal("join", member["content"]!["membership"]!.GetValue<string>());
            Assert.Equal("Alice Liddell", member["content"]!["displayname"]!.GetValue<string>());
            Assert.Equal("mxc://localhost/abc", member["content"]!["avatar_url"]!.GetValue<string>());
            Assert.Null(member["content"]!["reason"]);
            Assert.Equal("Alice Liddell", member["unsigned"]!["prev_content"]!["displayname"]!.GetValue<string>());
        }
        // The room she left is untouched.
        var leftMember = await MatrixAssert.OkAsync(await alice.RoomGetAsync(left, $"state/m.room.member/{alice.UserId}"));
        Assert.Equal("leave", leftMember["membership"]!.GetValue<string>());
        Assert.Null(leftMember["displayname"]);
    }

    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Deactivation_leaves_rooms_and_rejects_invites(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        string joined = await bob.CreateRoomAsync(new { preset = "public_chat" });
        await MatrixAssert.OkAsync(await alice.RoomPostAsync(joined, "join"));
        string invited = await bob.CreateRoomAsync(new { invite = new[] { alice.UserId.Value } });

        var challenge = await alice.PostAsync("/_matrix/client/v3/account/deactivate", new { });
        string session = (await challenge.Content.ReadFromJsonAsync<JsonObject>())!["session"]!.GetValue<string>();
        await MatrixAssert.OkAsync(await alice.PostAsync("/_matrix/client/v3/account/deactivate", new
        {
            auth = new { type = "m.login.password", identifier = new { type = "m.id.user", user = alice.UserId.Value }, password = alice.Password, session },
        }));

        Assert.Equal("leave", await bob.MembershipAsync(joined, alice));
        Assert.Equal("leave", await bob.MembershipAsync(invited, alice));
    }
}
