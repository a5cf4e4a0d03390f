using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Tests.Federation;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.FederationApi;

/// <summary>
/// Three real federating servers shared by a test class: <see cref="Local"/> serves the rooms, <see cref="Member"/>
/// gets users into them, <see cref="Outsider"/> never does. Each test creates its own rooms.
/// </summary>
public abstract class ReadServersFixture : IAsyncLifetime
{
    protected abstract TestEngine Engine { get; }

    public FederatedHomeserver Local { get; private set; } = null!;
    public FederatedHomeserver Member { get; private set; } = null!;
    public FederatedHomeserver Outsider { get; private set; } = null!;
    public TestUser Alice { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Local = await FederatedHomeserver.StartAsync(Engine);
        Member = await FederatedHomeserver.StartAsync(Engine);
        Outsider = await FederatedHomeserver.StartAsync(TestEngine.Sqlite);
        Alice = await Local.Server.RegisterAsync();
    }

    public async Task DisposeAsync()
    {
        await Local.DisposeAsync();
        await Member.DisposeAsync();
        await Outsider.DisposeAsync();
    }

    /// <summary>A public room of Alice's with the given history visibility.</summary>
    public async Task<RoomId> CreateRoomAsync(string historyVisibility = "shared")
    {
        var created = await MatrixAssert.OkAsync(await Alice.PostAsync("/_matrix/client/v3/createRoom", new JsonObject
        {
            ["preset"] = "public_chat",
            ["initial_state"] = new JsonArray(new JsonObject
            {
                ["type"] = "m.room.history_visibility",
                ["state_key"] = "",
                ["content"] = new JsonObject { ["history_visibility"] = historyVisibility },
            }),
        }));
        return RoomId.Parse(created["room_id"]!.GetValue<string>());
    }

    public async Task<EventId> SendMessageAsync(RoomId roomId, string body)
    {
        var sent = await MatrixAssert.OkAsync(await Alice.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId.Value)}/send/m.room.message/{Guid.NewGuid():N}",
            new JsonObject { ["msgtype"] = "m.text", ["body"] = body }));
        return EventId.Parse(sent["event_id"]!.GetValue<string>());
    }

    public async Task<EventId> SendStateAsync(RoomId roomId, string type, JsonObject content)
    {
        var sent = await MatrixAssert.OkAsync(await Alice.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId.Value)}/state/{type}/", content));
        return EventId.Parse(sent["event_id"]!.GetValue<string>());
    }

    /// <summary>A user of <see cref="Member"/> joins the room (persisted on <see cref="Local"/> as received).</summary>
    public async Task<EventId> JoinMemberAsync(RoomId roomId, string localpart = "bob")
    {
        var pdu = await RemoteRoomEvents.JoinAsync(Local, roomId, UserId.Create(localpart, Member.ServerName), Member.SigningKey);
        return pdu.EventId;
    }

    public Task<HttpResponseMessage> AsMemberAsync(HttpMethod method, string pathAndQuery, string? body = null) =>
        Local.SendSignedAsync(method, pathAndQuery, Member.ServerName, Member.SigningKey, body);

    public Task<HttpResponseMessage> AsOutsiderAsync(HttpMethod method, string pathAndQuery, string? body = null) =>
        Local.SendSignedAsync(method, pathAndQuery, Outsider.ServerName, Outsider.SigningKey, body);

    public sealed class Sqlite : ReadServersFixture
    {
        protected override TestEngine Engine => TestEngine.Sqlite;
    }

    public sealed class Postgres : ReadServersFixture
    {
        protected override TestEngine Engine => TestEngine.Postgres;
    }
}
