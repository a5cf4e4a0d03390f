using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Scenarios;

/// <summary>
/// Client-side steps of the multi-server scenarios: everything goes through the client-server API of each server,
/// as users would see it, and waits poll with a deadline (federation is asynchronous).
/// </summary>
internal static class FederationScenario
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> and the last observation.</summary>
    public static async Task EventuallyAsync(string what, Func<Task<(bool Done, string Observed)>> condition, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        string observed = "";
        while (DateTime.UtcNow < until)
        {
            (bool done, observed) = await condition();
            if (done)
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"Timed out waiting for {what}; last seen: {observed}");
    }

    public static async Task<string> CreatePublicRoomAsync(TestUser creator, string aliasLocalpart)
    {
        var created = await MatrixAssert.OkAsync(await creator.PostAsync("/_matrix/client/v3/createRoom",
            new { preset = "public_chat", room_alias_name = aliasLocalpart, name = "Federation scenario" }));
        return created["room_id"]!.GetValue<string>();
    }

    /// <summary>Joins by alias, or by room ID through the servers in <paramref name="via"/> (room IDs of v12 rooms
    /// name no server, so a remote join by ID needs them: spec client-server "POST /join/{roomIdOrAlias}").</summary>
    public static async Task<string> JoinAsync(TestUser user, string roomIdOrAlias, params string[] via)
    {
        string query = via.Length == 0 ? "" : "?" + string.Join("&", via.Select(v => $"via={Uri.EscapeDataString(v)}"));
        var joined = await MatrixAssert.OkAsync(await user.PostAsync($"/_matrix/client/v3/join/{Uri.EscapeDataString(roomIdOrAlias)}{query}", new { }));
        return joined["room_id"]!.GetValue<string>();
    }

    public static async Task<string> SendTextAsync(TestUser user, string roomId, string body)
    {
        var sent = await MatrixAssert.OkAsync(await user.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{Guid.NewGuid():N}",
            new { msgtype = "m.text", body }));
        return sent["event_id"]!.GetValue<string>();
    }

    /// <summary>The message bodies of the room's timeline as <paramref name="user"/> sees it, oldest first.</summary>
    public static async Task<IReadOnlyList<string>> MessageBodiesAsync(TestUser user, string roomId)
    {
        var response = await user.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/messages?dir=b&limit=200");
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }
        var page = await MatrixAssert.OkAsync(response);
        var bodies = new List<string>();
        foreach (var e in page["chunk"]!.AsArray())
        {
            if (e!["type"]!.GetValue<string>() == "m.room.message" && e["content"]?["body"] is JsonValue body)
            {
                bodies.Add(body.GetValue<string>());
            }
        }
        bodies.Reverse();
        return bodies;
    }

    /// <summary>Waits until <paramref name="user"/> sees every one of <paramref name="bodies"/> in the room.</summary>
    public static Task WaitForMessagesAsync(TestUser user, string roomId, params string[] bodies) =>
        EventuallyAsync($"{user.UserId} to see {string.Join(", ", bodies)}", async () =>
        {
            var seen = await MessageBodiesAsync(user, roomId);
            return (bodies.All(seen.Contains), string.Join(" | ", seen));
        });

    /// <summary>The room's full current state as <paramref name="user"/> sees it: "type|state_key" → event ID.</summary>
    public static async Task<SortedDictionary<string, string>> FullStateAsync(TestUser user, string roomId)
    {
        var response = await user.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state");
        var state = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!response.IsSuccessStatusCode)
        {
            return state;
        }
        var events = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        foreach (var e in events)
        {
            state[$"{e!["type"]!.GetValue<string>()}|{e["state_key"]!.GetValue<string>()}"] = e["event_id"]!.GetValue<string>();
        }
        return state;
    }

    public static async Task<string?> MembershipAsync(TestUser observer, string roomId, string userId)
    {
        var response = await observer.GetAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/m.room.member/{Uri.EscapeDataString(userId)}");
        return response.IsSuccessStatusCode ? (await MatrixAssert.OkAsync(response))["membership"]?.GetValue<string>() : null;
    }

    /// <summary>Waits until <paramref name="user"/> sees <paramref name="member"/> joined (or with <paramref name="membership"/>).</summary>
    public static Task WaitForMembershipAsync(TestUser user, string roomId, string member, string membership = "join") =>
        EventuallyAsync($"{user.UserId} to see {member} as {membership}", async () =>
        {
            string? seen = await MembershipAsync(user, roomId, member);
            return (seen == membership, seen ?? "(none)");
        });

    /// <summary>Long-polls /sync once from <paramref name="since"/>; returns the response and its next_batch.</summary>
    public static async Task<(JsonObject Sync, string NextBatch)> SyncAsync(TestUser user, string? since, int timeoutMs = 0)
    {
        string query = since is null ? $"?timeout={timeoutMs}" : $"?since={Uri.EscapeDataString(since)}&timeout={timeoutMs}";
        var sync = await MatrixAssert.OkAsync(await user.GetAsync("/_matrix/client/v3/sync" + query));
        return (sync, sync["next_batch"]!.GetValue<string>());
    }
}
