using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Authentication;
using Myelin.Server.Rooms;
using Myelin.Server.Tests.Support;
using Myelin.Storage;

namespace Myelin.Server.Tests.ClientApi.Timeline;

/// <summary>
/// Builds users and rooms for timeline tests directly through the services (the room endpoints are
/// tested elsewhere): users with a device and access token, rooms through <see cref="RoomEventWriter"/>.
/// </summary>
public sealed class TimelineTestKit
{
    private int _counter;

    public TimelineTestKit(TestHomeserver server)
    {
        Server = server;
        Writer = server.Services.GetRequiredService<RoomEventWriter>();
        Database = server.Services.GetRequiredService<MyelinDatabase>();
    }

    public TestHomeserver Server { get; }
    public RoomEventWriter Writer { get; }
    public MyelinDatabase Database { get; }

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    /// <summary>A local user with one device and a valid access token.</summary>
    public async Task<TestUser> UserAsync(string? localpart = null)
    {
        localpart ??= $"u{Interlocked.Increment(ref _counter)}";
        var userId = UserId.Parse($"@{localpart}:{Server.ServerName}");
        await Database.Users.CreateAsync(new Storage.Users.NewUser(userId, null, 0) { DisplayName = localpart });
        var device = DeviceId.Parse("DEV" + localpart.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal));
        await Database.Devices.CreateAsync(userId, device, null, 0);
        string token = AccessTokens.Generate();
        await Database.AccessTokens.AddAsync(token, userId, device, 0);
        return new TestUser(Server, userId, token, device.Value, "");
    }

    /// <summary>A v12 room created by <paramref name="creator"/>: public join rule and the given history visibility.</summary>
    public async Task<RoomId> RoomAsync(TestUser creator, string historyVisibility = "shared", string joinRule = "public", string version = "12")
    {
        var roomVersion = KnownRoomVersions.All[version];
        var createContent = roomVersion.CreatorIsSender
            ? Json(new Dictionary<string, object> { ["room_version"] = version })
            : Json(new Dictionary<string, object> { ["room_version"] = version, ["creator"] = creator.UserId.Value });
        var room = await Writer.CreateRoomAsync(roomVersion, creator.UserId, createContent, CancellationToken.None);
        await StateAsync(room, creator, EventTypes.Member, creator.UserId.Value, new { membership = "join" });
        object users = roomVersion.PrivilegedCreators ? new Dictionary<string, int>() : new Dictionary<string, int> { [creator.UserId.Value] = 100 };
        await StateAsync(room, creator, EventTypes.PowerLevels, "", new { users });
        await StateAsync(room, creator, EventTypes.JoinRules, "", new { join_rule = joinRule });
        await StateAsync(room, creator, EventTypes.HistoryVisibility, "", new { history_visibility = historyVisibility });
        return room;
    }

    public async Task<EventId> StateAsync(RoomId room, TestUser sender, string type, string stateKey, object content) =>
        (await Writer.SendAsync(new NewEvent(room, sender.UserId, type, Json(content)) { StateKey = stateKey }, CancellationToken.None)).EventId;

    public async Task<EventId> SendAsync(RoomId room, TestUser sender, string type, object content) =>
        (await Writer.SendAsync(new NewEvent(room, sender.UserId, type, Json(content)), CancellationToken.None)).EventId;

    public Task<EventId> MessageAsync(RoomId room, TestUser sender, string body) =>
        SendAsync(room, sender, EventTypes.Message, new { msgtype = "m.text", body });

    public Task<EventId> JoinAsync(RoomId room, TestUser user) => StateAsync(room, user, EventTypes.Member, user.UserId.Value, new { membership = "join" });

    public Task<EventId> LeaveAsync(RoomId room, TestUser user) => StateAsync(room, user, EventTypes.Member, user.UserId.Value, new { membership = "leave" });

    public Task<EventId> InviteAsync(RoomId room, TestUser inviter, TestUser invitee) =>
        StateAsync(room, inviter, EventTypes.Member, invitee.UserId.Value, new { membership = "invite" });

    /// <summary>Sets the user's m.ignored_user_list.</summary>
    public Task IgnoreAsync(TestUser user, params TestUser[] ignored) =>
        Database.AccountData.SetAsync(user.UserId, null, "m.ignored_user_list",
            JsonSerializer.Serialize(new { ignored_users = ignored.ToDictionary(u => u.UserId.Value, _ => new { }) }));
}
