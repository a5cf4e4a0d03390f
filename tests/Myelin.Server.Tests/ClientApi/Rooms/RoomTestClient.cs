using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Support;
using Myelin.Storage;
using Myelin.Storage.Users;

namespace Myelin.Server.Tests.ClientApi.Rooms;

/// <summary>
/// Users and requests for the room tests. Users are created in the database directly (account, device, access token),
/// so these tests exercise the room endpoints whatever state registration is in.
/// </summary>
public static class RoomTestClient
{
    private static int _counter;

    public static async Task<TestUser> CreateUserAsync(this TestHomeserver server, string? localpart = null, string? displayName = null,
        bool isGuest = false)
    {
        var database = server.Services.GetRequiredService<MyelinDatabase>();
        localpart ??= $"u{Interlocked.Increment(ref _counter)}{Guid.NewGuid().ToString("N")[..6]}";
        var userId = UserId.Create(localpart, server.ServerName);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True(await database.Users.CreateAsync(new NewUser(userId, null, now) { DisplayName = displayName ?? localpart, IsGuest = isGuest }));
        var device = DeviceId.Parse("DEV" + localpart.ToUpperInvariant());
        Assert.True(await database.Devices.CreateAsync(userId, device, null, now));
        string token = "syt_" + Guid.NewGuid().ToString("N");
        await database.AccessTokens.AddAsync(token, userId, device, now);
        return new TestUser(server, userId, token, device.Value, "");
    }

    public static async Task<string> CreateRoomAsync(this TestUser user, object? body = null)
    {
        var response = await MatrixAssert.OkAsync(await user.PostAsync("/_matrix/client/v3/createRoom", body ?? new { }));
        return response["room_id"]!.GetValue<string>();
    }

    public static async Task<string> SendMessageAsync(this TestUser user, string roomId, string body = "hello", string? txnId = null)
    {
        txnId ??= Guid.NewGuid().ToString("N");
        var response = await MatrixAssert.OkAsync(await user.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/{txnId}", new { msgtype = "m.text", body }));
        return response["event_id"]!.GetValue<string>();
    }

    public static async Task<string> SetStateAsync(this TestUser user, string roomId, string type, string stateKey, object content)
    {
        var response = await MatrixAssert.OkAsync(await user.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/state/{type}/{Uri.EscapeDataString(stateKey)}", content));
        return response["event_id"]!.GetValue<string>();
    }

    public static Task<HttpResponseMessage> RoomPostAsync(this TestUser user, string roomId, string action, object? body = null) =>
        user.PostAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/{action}", body ?? new { });

    public static Task<HttpResponseMessage> RoomGetAsync(this TestUser user, string roomId, string path) =>
        user.GetAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/{path}");

    public static async Task<string?> MembershipAsync(this TestUser reader, string roomId, TestUser member)
    {
        var response = await reader.RoomGetAsync(roomId, $"state/m.room.member/{Uri.EscapeDataString(member.UserId.Value)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        return (await MatrixAssert.OkAsync(response))["membership"]?.GetValue<string>();
    }

    public static async Task<JsonArray> GetStateAsync(this TestUser user, string roomId)
    {
        var response = await user.RoomGetAsync(roomId, "state");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!.AsArray();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string path, object body) => http.PostAsJsonAsync(path, body);
}
