using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Sync;

/// <summary>Calls /sync for a test user and reads the parts tests look at.</summary>
public static class SyncClient
{
    public static async Task<JsonObject> SyncAsync(this TestUser user, string? since = null, string query = "")
    {
        string path = "/_matrix/client/v3/sync?" + (since is null ? "" : $"since={Uri.EscapeDataString(since)}&") + query;
        return await MatrixAssert.OkAsync(await user.GetAsync(path));
    }

    public static JsonObject? JoinedRoom(JsonObject sync, RoomId room) => sync["rooms"]?["join"]?[room.Value]?.AsObject();

    public static JsonArray TimelineEvents(JsonObject sync, RoomId room) =>
        JoinedRoom(sync, room)?["timeline"]?["events"]?.AsArray() ?? [];

    public static IReadOnlyList<string> TimelineIds(JsonObject sync, RoomId room) =>
        TimelineEvents(sync, room).Select(e => e!["event_id"]!.GetValue<string>()).ToList();

    public static IReadOnlyList<JsonObject> StateEvents(JsonObject sync, RoomId room, string section = "state") =>
        (JoinedRoom(sync, room)?[section]?["events"]?.AsArray() ?? []).Select(e => e!.AsObject()).ToList();

    public static IReadOnlyList<JsonObject> EphemeralEvents(JsonObject sync, RoomId room, string type) =>
        (JoinedRoom(sync, room)?["ephemeral"]?["events"]?.AsArray() ?? []).Select(e => e!.AsObject())
            .Where(e => e["type"]!.GetValue<string>() == type).ToList();

    public static string NextBatch(JsonObject sync) => sync["next_batch"]!.GetValue<string>();

    public static string Filter(object filter) => "filter=" + Uri.EscapeDataString(System.Text.Json.JsonSerializer.Serialize(filter));
}
