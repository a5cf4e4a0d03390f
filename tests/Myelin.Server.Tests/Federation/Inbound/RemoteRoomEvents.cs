using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;
using Myelin.Storage;

namespace Myelin.Server.Tests.Federation.Inbound;

/// <summary>
/// Hand-built PDUs of a remote server's users in a room the local server holds, signed with the remote server's real
/// key (which the local server fetches over federation), and sent to the local server in signed transactions.
/// By default an event extends the local server's forward extremities and cites auth events from its current state.
/// </summary>
internal sealed class RemoteRoomEvents(FederatedHomeserver local, FederatedHomeserver remote)
{
    private int _txn;

    public MyelinDatabase LocalDatabase => local.Server.Services.GetRequiredService<MyelinDatabase>();
    private RoomEvents LocalEvents => local.Server.Services.GetRequiredService<RoomEvents>();

    public UserId User(string localpart) => UserId.Create(localpart, remote.ServerName);

    public async Task<Pdu> BuildAsync(RoomId room, UserId sender, string type, object content, string? stateKey = null,
        IReadOnlyList<EventId>? prevEvents = null, IReadOnlyDictionary<StateKey, EventId>? authState = null, long? depth = null,
        IReadOnlyList<EventId>? authEvents = null)
    {
        var version = await LocalEvents.GetRoomVersionAsync(room) ?? throw new InvalidOperationException("unknown room");
        prevEvents ??= await LocalDatabase.Events.GetForwardExtremitiesAsync(room);
        authState ??= await LocalDatabase.State.GetCurrentStateAsync(room);
        var prevs = await LocalEvents.GetPdusAsync(prevEvents);
        var contentElement = JsonSerializer.SerializeToElement(content);
        var keys = AuthEventSelection.SelectKeys(version, type, stateKey, sender, contentElement);
        return PduBuilder.Build(new PduTemplate
        {
            RoomVersion = version,
            RoomId = room,
            Sender = sender,
            Type = type,
            StateKey = stateKey,
            Content = contentElement,
            PrevEvents = prevEvents,
            AuthEvents = authEvents ?? [.. keys.Where(authState.ContainsKey).Select(k => authState[k])],
            Depth = depth ?? (prevs.Count == 0 ? 1 : prevs.Values.Max(p => p.Depth) + 1),
            OriginServerTs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        }, remote.ServerName, remote.SigningKey);
    }

    public Task<Pdu> JoinAsync(RoomId room, UserId user) =>
        BuildAsync(room, user, EventTypes.Member, new { membership = "join" }, stateKey: user.Value);

    public Task<Pdu> MessageAsync(RoomId room, UserId user, string body, IReadOnlyList<EventId>? prevEvents = null,
        IReadOnlyDictionary<StateKey, EventId>? authState = null) =>
        BuildAsync(room, user, "m.room.message", new { msgtype = "m.text", body }, prevEvents: prevEvents, authState: authState);

    public static JsonObject ToJson(Pdu pdu) => JsonNode.Parse(pdu.Json.Span)!.AsObject();

    public static JsonObject Transaction(ServerName origin, IEnumerable<JsonNode> pdus, IEnumerable<JsonNode>? edus = null)
    {
        var body = new JsonObject
        {
            ["origin"] = origin.Value,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["pdus"] = new JsonArray([.. pdus]),
        };
        if (edus is not null)
        {
            body["edus"] = new JsonArray([.. edus]);
        }
        return body;
    }

    public string NextTransactionId() => $"txn{Interlocked.Increment(ref _txn)}-{Guid.NewGuid():N}";

    /// <summary>PUT /send/{txnId} to the local server, signed by the remote server.</summary>
    public Task<HttpResponseMessage> SendRawAsync(string txnId, JsonObject body) =>
        local.SendSignedAsync(HttpMethod.Put, $"/_matrix/federation/v1/send/{Uri.EscapeDataString(txnId)}", remote.ServerName, remote.SigningKey,
            body.ToJsonString());

    /// <summary>Sends the PDUs in one transaction and returns the response's <c>pdus</c> object.</summary>
    public async Task<JsonObject> SendAsync(params JsonObject[] pdus)
    {
        var response = await Support.MatrixAssert.OkAsync(await SendRawAsync(NextTransactionId(), Transaction(remote.ServerName, pdus)));
        return response["pdus"]!.AsObject();
    }

    public Task<JsonObject> SendAsync(params Pdu[] pdus) => SendAsync([.. pdus.Select(ToJson)]);
}
