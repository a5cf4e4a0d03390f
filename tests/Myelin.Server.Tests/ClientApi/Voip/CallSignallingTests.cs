using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Voip;

/// <summary>
/// VoIP signalling (spec: client-server "Voice over IP"): <c>m.call.*</c> are ordinary room events. A caller and a callee
/// exchange invite → candidates → answer → select_answer → hangup, each seeing the other's events in /sync in order.
/// <see cref="ExchangeCallAsync"/> is also run across servers.
/// </summary>
public sealed class CallSignallingTests
{
    [Theory]
    [InlineData(TestEngine.Sqlite)]
    [InlineData(TestEngine.Postgres)]
    public async Task Two_users_exchange_a_whole_call_through_room_events(TestEngine engine)
    {
        await using var server = await TestHomeserver.StartAsync(engine);
        var caller = await server.RegisterAsync();
        var callee = await server.RegisterAsync();
        await ExchangeCallAsync(caller, callee);
    }

    /// <summary>Runs a whole call between two users (on one server or two) in a new direct-message room.</summary>
    internal static async Task ExchangeCallAsync(TestUser caller, TestUser callee)
    {
        var created = await MatrixAssert.OkAsync(await caller.PostAsync("/_matrix/client/v3/createRoom",
            new { preset = "trusted_private_chat", is_direct = true, invite = new[] { callee.UserId.Value } }));
        string roomId = created["room_id"]!.GetValue<string>();
        string room = Uri.EscapeDataString(roomId);
        await WaitForAsync(callee, null, sync => sync["rooms"]?["invite"]?[roomId] is not null, "the invite");
        await MatrixAssert.OkAsync(await callee.PostAsync($"/_matrix/client/v3/rooms/{room}/join", new { }));
        string callerSince = await WaitForAsync(caller, null, sync => Timeline(sync, roomId).Any(e =>
            e["type"]!.GetValue<string>() == "m.room.member" && e["state_key"]!.GetValue<string>() == callee.UserId.Value
            && e["content"]!["membership"]!.GetValue<string>() == "join"), "the callee's join");
        string calleeSince = await WaitForAsync(callee, null, sync => sync["rooms"]?["join"]?[roomId] is not null, "the joined room");

        const string callId = "call-1";
        await SendAsync(caller, room, "m.call.invite", new JsonObject
        {
            ["call_id"] = callId, ["party_id"] = "caller-party", ["version"] = "1", ["lifetime"] = 60000,
            ["offer"] = new JsonObject { ["type"] = "offer", ["sdp"] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n" },
        });
        await SendAsync(caller, room, "m.call.candidates", new JsonObject
        {
            ["call_id"] = callId, ["party_id"] = "caller-party", ["version"] = "1",
            ["candidates"] = new JsonArray(new JsonObject { ["candidate"] = "candidate:1 1 UDP 1 127.0.0.1 5000 typ host", ["sdpMid"] = "0", ["sdpMLineIndex"] = 0 }),
        });
        (calleeSince, var calleeEvents) = await WaitForTimelineAsync(callee, calleeSince, roomId, events =>
        {
            var types = events.Select(e => e["type"]!.GetValue<string>()).ToList();
            return types.Contains("m.call.invite") && types.Contains("m.call.candidates");
        }, "the call invite and candidates");
        var invite = calleeEvents.First(e => e["type"]!.GetValue<string>() == "m.call.invite");
        Assert.Equal(callId, invite["content"]!["call_id"]!.GetValue<string>());
        Assert.Equal("offer", invite["content"]!["offer"]!["type"]!.GetValue<string>());
        Assert.Equal(caller.UserId.Value, invite["sender"]!.GetValue<string>());

        await SendAsync(callee, room, "m.call.answer", new JsonObject
        {
            ["call_id"] = callId, ["party_id"] = "callee-party", ["version"] = "1",
            ["answer"] = new JsonObject { ["type"] = "answer", ["sdp"] = "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\n" },
        });
        await WaitForTimelineAsync(caller, callerSince, roomId, events => events.Any(e => e["type"]!.GetValue<string>() == "m.call.answer"
            && e["content"]!["party_id"]!.GetValue<string>() == "callee-party"), "the answer");
        await SendAsync(caller, room, "m.call.select_answer", new JsonObject
        {
            ["call_id"] = callId, ["party_id"] = "caller-party", ["version"] = "1", ["selected_party_id"] = "callee-party",
        });
        await SendAsync(caller, room, "m.call.hangup", new JsonObject
        {
            ["call_id"] = callId, ["party_id"] = "caller-party", ["version"] = "1", ["reason"] = "user_hangup",
        });
        await WaitForTimelineAsync(callee, calleeSince, roomId, events =>
        {
            var types = events.Select(e => e["type"]!.GetValue<string>()).ToList();
            int select = types.IndexOf("m.call.select_answer");
            return select >= 0 && types.IndexOf("m.call.hangup") > select;
        }, "select_answer then hangup");
    }

    private static async Task SendAsync(TestUser user, string room, string type, JsonObject content) =>
        await MatrixAssert.OkAsync(await user.PutAsync($"/_matrix/client/v3/rooms/{room}/send/{type}/{Guid.NewGuid():N}", content.ToJsonString()));

    private static IEnumerable<JsonNode> Timeline(JsonObject sync, string roomId) =>
        sync["rooms"]?["join"]?[roomId]?["timeline"]?["events"]?.AsArray().Select(e => e!) ?? [];

    /// <summary>Syncs until <paramref name="done"/> holds for one response (30 s at most); returns the next_batch.</summary>
    private static async Task<string> WaitForAsync(TestUser user, string? since, Func<JsonObject, bool> done, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
        {
            string query = since is null ? "?timeout=1000" : $"?timeout=1000&since={Uri.EscapeDataString(since)}";
            var sync = await MatrixAssert.OkAsync(await user.GetAsync("/_matrix/client/v3/sync" + query));
            since = sync["next_batch"]!.GetValue<string>();
            if (done(sync))
            {
                return since;
            }
        }
        Assert.Fail($"{user.UserId} did not see {what} within 30 s.");
        return since!;
    }

    /// <summary>Syncs until the room's timeline events received since <paramref name="since"/>, together, satisfy <paramref name="done"/>.</summary>
    private static async Task<(string Since, List<JsonNode> Events)> WaitForTimelineAsync(TestUser user, string since, string roomId,
        Func<List<JsonNode>, bool> done, string what)
    {
        var events = new List<JsonNode>();
        since = await WaitForAsync(user, since, sync =>
        {
            events.AddRange(Timeline(sync, roomId).Select(e => e.DeepClone()));
            return done(events);
        }, what);
        return (since, events);
    }
}
