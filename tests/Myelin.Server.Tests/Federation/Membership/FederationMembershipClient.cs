using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Tests.ClientApi.Sync;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Membership;

/// <summary>Requests and waits the membership federation tests share.</summary>
internal static class FederationMembershipClient
{
    public static string Escape(string value) => Uri.EscapeDataString(value);

    /// <summary>A federation request to <paramref name="resident"/> signed as <paramref name="origin"/> with its real key.</summary>
    public static Task<HttpResponseMessage> SignedAsync(this FederatedHomeserver resident, FederatedHomeserver origin, HttpMethod method, string path,
        string? body = null) =>
        resident.SendSignedAsync(method, path, origin.ServerName, origin.SigningKey, body);

    /// <summary>
    /// Fills in a make_join template as <paramref name="origin"/> would, optionally editing the event first, and signs it
    /// with <paramref name="key"/> under <paramref name="origin"/>'s name (a different key forges the signature).
    /// </summary>
    public static Pdu SignTemplate(JsonObject made, ServerName origin, SigningKey key, Action<JsonObject>? edit = null)
    {
        var version = KnownRoomVersions.All[made["room_version"]!.GetValue<string>()];
        var template = made["event"]!.AsObject();
        template["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        edit?.Invoke(template);
        Assert.True(EventSigning.TryHashAndSign(CanonicalJson.Encode(template), version, origin.Value, key, out byte[]? signed, out string? error), error);
        return PduParser.Parse(signed, version);
    }

    /// <summary>Polls the user's /sync until <paramref name="found"/> picks something out of it (15 s at most).</summary>
    public static async Task<JsonObject> WaitForSyncAsync(this TestUser user, Func<JsonObject, bool> found)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var sync = await user.SyncAsync();
            if (found(sync))
            {
                return sync;
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting in /sync of {user.UserId}: {sync.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    public static JsonObject? InvitedRoom(JsonObject sync, string room) => sync["rooms"]?["invite"]?[room]?.AsObject();

    public static JsonObject? KnockedRoom(JsonObject sync, string room) => sync["rooms"]?["knock"]?[room]?.AsObject();

    public static JsonObject? LeftRoom(JsonObject sync, string room) => sync["rooms"]?["leave"]?[room]?.AsObject();

    public static string Text(JsonNode? node) => node!.GetValue<string>();

    public static JsonElement Element(JsonNode node) => JsonSerializer.SerializeToElement(node);
}
