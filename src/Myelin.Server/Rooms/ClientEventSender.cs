using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage.Events;

namespace Myelin.Server.Rooms;

/// <summary>
/// Sends the events clients ask for through <c>PUT /send</c>, <c>PUT /state</c> and <c>PUT /redact</c>, adding the
/// checks the client-server API makes on top of the auth rules: canonical aliases must exist and point to the room,
/// redacting someone else's event needs the redact power level, member events carry the target's profile.
/// spec: client-server "Sending events to a room", "Redactions".
/// </summary>
public sealed class ClientEventSender
{
    private const string BadAlias = "M_BAD_ALIAS";

    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly RoomMembership _membership;
    private readonly ServerName _serverName;

    public ClientEventSender(RoomEventWriter writer, RoomEvents events, RoomMembership membership, MyelinConfig config)
    {
        _writer = writer;
        _events = events;
        _membership = membership;
        _serverName = config.ServerName;
    }

    /// <summary>
    /// Sends a message event; the same <paramref name="txnId"/> from the same device returns the first event's ID.
    /// An <c>m.room.redaction</c> sent this way gets the same permission check as <c>PUT /redact</c>.
    /// </summary>
    public async Task<SentEvent> SendMessageAsync(Requester requester, RoomId roomId, string eventType, string txnId, JsonObject content, CancellationToken cancellationToken)
    {
        await _membership.RequireKnownRoomAsync(roomId, cancellationToken);
        var transaction = Transaction(requester, txnId);
        if (transaction is { } txn && await _events.Database.Events.GetEventIdForTransactionAsync(txn, cancellationToken) is { } earlier)
        {
            var stored = await _events.Database.Events.GetEventAsync(earlier, cancellationToken);
            return new SentEvent(earlier, stored?.StreamPosition ?? default, Deduplicated: true);
        }
        EventId? redacts = null;
        if (eventType == EventTypes.Redaction)
        {
            string? target = content["redacts"]?.GetValueKind() == JsonValueKind.String ? content["redacts"]!.GetValue<string>() : null;
            if (target is null || !EventId.TryParse(target, out var targetId))
            {
                throw MatrixException.BadJson("An m.room.redaction needs 'redacts': the ID of the event to redact.");
            }
            await CheckRedactionAsync(requester.UserId, roomId, targetId, cancellationToken);
            redacts = targetId;
        }
        var request = new NewEvent(roomId, requester.UserId, eventType, Element(content)) { Transaction = transaction, Redacts = redacts };
        return await _writer.SendAsync(request, cancellationToken);
    }

    /// <summary>Sets a piece of room state. spec: client-server "PUT /rooms/{roomId}/state/{eventType}/{stateKey}".</summary>
    public async Task<SentEvent> SendStateAsync(Requester requester, RoomId roomId, string eventType, string stateKey, JsonObject content, CancellationToken cancellationToken)
    {
        await _membership.RequireKnownRoomAsync(roomId, cancellationToken);
        if (eventType == EventTypes.CanonicalAlias)
        {
            await ValidateCanonicalAliasAsync(roomId, content, cancellationToken);
        }
        if (eventType == EventTypes.Member)
        {
            if (!UserId.TryParse(stateKey, out var target))
            {
                throw MatrixException.BadJson($"The state key of an m.room.member event must be a user ID, not '{stateKey}'.");
            }
            if (content["membership"]?.GetValueKind() != JsonValueKind.String)
            {
                throw MatrixException.BadJson("An m.room.member event needs 'membership'.");
            }
            await _membership.AddProfileAsync(content, target, cancellationToken);
        }
        var request = new NewEvent(roomId, requester.UserId, eventType, Element(content)) { StateKey = stateKey };
        return await _writer.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Redacts an event of the room. The sender may redact their own events; others' need the room's <c>redact</c>
    /// level. spec: client-server "Redactions"; rooms/v3+ "Redactions" (servers check the redaction power).
    /// </summary>
    public async Task<SentEvent> RedactAsync(Requester requester, RoomId roomId, EventId eventId, string txnId, string? reason, CancellationToken cancellationToken)
    {
        await _membership.RequireKnownRoomAsync(roomId, cancellationToken);
        var transaction = Transaction(requester, txnId);
        if (transaction is { } txn && await _events.Database.Events.GetEventIdForTransactionAsync(txn, cancellationToken) is { } earlier)
        {
            var stored = await _events.Database.Events.GetEventAsync(earlier, cancellationToken);
            return new SentEvent(earlier, stored?.StreamPosition ?? default, Deduplicated: true);
        }
        await CheckRedactionAsync(requester.UserId, roomId, eventId, cancellationToken);
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken);
        var content = new JsonObject();
        if (reason is not null)
        {
            content["reason"] = reason;
        }
        if (version is { RedactsInContent: true })
        {
            // spec: rooms/v11 — redacts moved into the content.
            content["redacts"] = eventId.Value;
        }
        var request = new NewEvent(roomId, requester.UserId, EventTypes.Redaction, Element(content)) { Redacts = eventId, Transaction = transaction };
        return await _writer.SendAsync(request, cancellationToken);
    }

    private async Task CheckRedactionAsync(UserId sender, RoomId roomId, EventId target, CancellationToken cancellationToken)
    {
        var stored = await _events.Database.Events.GetEventAsync(target, cancellationToken);
        if (stored is null || stored.RoomId != roomId)
        {
            throw MatrixException.NotFound($"Event {target} not found in {roomId}.");
        }
        if (stored.Sender == sender)
        {
            return;
        }
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        var version = await _events.GetRoomVersionAsync(roomId, cancellationToken) ?? throw MatrixException.NotFound($"Unknown room {roomId}.");
        var levels = PowerLevels.From(state.GetValueOrDefault(new StateKey(EventTypes.PowerLevels, "")), state.GetValueOrDefault(new StateKey(EventTypes.Create, "")), version);
        if (!levels.CanRedactOthers(sender))
        {
            throw MatrixException.Forbidden(
                $"You need power level {levels.Redact} to redact other users' events; yours is {levels.GetUserLevel(sender)}.");
        }
    }

    /// <summary>
    /// spec: "PUT /rooms/{roomId}/state": new aliases in <c>m.room.canonical_alias</c> must be valid and point to this room
    /// (<c>M_BAD_ALIAS</c>); aliases already in the current event are not re-checked.
    /// </summary>
    private async Task ValidateCanonicalAliasAsync(RoomId roomId, JsonObject content, CancellationToken cancellationToken)
    {
        var proposed = new List<string>();
        if (content.TryGetPropertyValue("alias", out var aliasNode) && aliasNode is not null)
        {
            if (aliasNode.GetValueKind() != JsonValueKind.String)
            {
                throw MatrixException.BadJson("'alias' must be a string.");
            }
            proposed.Add(aliasNode.GetValue<string>());
        }
        if (content.TryGetPropertyValue("alt_aliases", out var altNode) && altNode is not null)
        {
            if (altNode is not JsonArray alts || alts.Any(a => a is null || a.GetValueKind() != JsonValueKind.String))
            {
                throw MatrixException.BadJson("'alt_aliases' must be an array of strings.");
            }
            proposed.AddRange(alts.Select(a => a!.GetValue<string>()));
        }
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        if (state.TryGetValue(new StateKey(EventTypes.CanonicalAlias, ""), out var current) && current.Content.ValueKind == JsonValueKind.Object)
        {
            if (current.Content.TryGetProperty("alias", out var a) && a.ValueKind == JsonValueKind.String)
            {
                existing.Add(a.GetString()!);
            }
            if (current.Content.TryGetProperty("alt_aliases", out var alt) && alt.ValueKind == JsonValueKind.Array)
            {
                existing.UnionWith(alt.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!));
            }
        }
        foreach (string value in proposed.Where(p => !existing.Contains(p)))
        {
            if (!RoomAlias.TryParse(value, out var alias))
            {
                throw MatrixException.InvalidParam($"'{value}' is not a valid room alias.");
            }
            if (alias.Server != _serverName)
            {
                throw new MatrixException(BadAlias, $"Cannot check that {alias} points to this room: it belongs to another server and federation is not available yet.", 400);
            }
            var record = await _events.Database.RoomAliases.ResolveAsync(alias, cancellationToken);
            if (record is null || record.RoomId != roomId)
            {
                throw new MatrixException(BadAlias, record is null ? $"Room alias {alias} does not exist." : $"Room alias {alias} points to another room.", 400);
            }
        }
    }

    /// <summary>spec: "Transaction identifiers" are scoped to the device (for tokens without one, to the access token).</summary>
    private static TransactionKey? Transaction(Requester requester, string txnId) =>
        requester.DeviceId is { } device ? new TransactionKey(requester.UserId, device, txnId) : null;

    private static JsonElement Element(JsonObject content) => JsonElement.Parse(content.ToJsonString());
}
