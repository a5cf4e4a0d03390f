using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.Federation.Membership;

/// <summary>
/// The event handling the membership handshakes share: drafting a member event on the room's tip, turning it into
/// a <c>make_*</c> template, filling in and signing a template received from a resident server, adding our signature
/// to another server's event, and the stripped form of state events.
/// spec: server-server "Joining Rooms", "Inviting to a room", "Leaving Rooms (Rejecting Invites)", "Knocking upon a room".
/// </summary>
public static class MembershipEvents
{
    /// <summary>spec: server-server "PDUs": at most 20 prev_events; like the room writer we cite at most 10.</summary>
    private const int MaxPrevEvents = 10;

    /// <summary>Top-level keys a template's filler replaces or that never belong in an unsigned template.</summary>
    private static readonly string[] ServerFilledKeys = ["signatures", "hashes", "event_id", "unsigned"];

    /// <summary>
    /// Builds an <c>m.room.member</c> event on the room's current forward extremities, with auth events selected from
    /// <paramref name="state"/>, signed by us (as the event's origin or, for make_* templates, only to check it).
    /// </summary>
    public static async Task<Pdu> DraftAsync(RoomEvents events, ServerName origin, SigningKey key, RoomVersion version, RoomId roomId,
        IReadOnlyDictionary<StateKey, Pdu> state, UserId sender, UserId target, JsonObject content, long now, CancellationToken cancellationToken)
    {
        var contentElement = JsonElement.Parse(content.ToJsonString());
        var extremities = await events.Database.Events.GetForwardExtremitiesAsync(roomId, cancellationToken);
        var prevEvents = extremities.Count > MaxPrevEvents ? extremities.Take(MaxPrevEvents).ToArray() : extremities;
        var authEvents = new List<EventId>();
        foreach (var authKey in AuthEventSelection.SelectKeys(version, EventTypes.Member, target.Value, sender, contentElement))
        {
            if (state.TryGetValue(authKey, out var authEvent))
            {
                authEvents.Add(authEvent.EventId);
            }
        }
        var referenced = await events.GetPdusAsync([.. prevEvents, .. authEvents], cancellationToken);
        long depth = prevEvents.Select(id => referenced.TryGetValue(id, out var p) ? p.Depth : 0).DefaultIfEmpty(0).Max() + 1;
        var template = new PduTemplate
        {
            RoomVersion = version,
            RoomId = roomId,
            Sender = sender,
            Type = EventTypes.Member,
            StateKey = target.Value,
            Content = contentElement,
            PrevEvents = prevEvents,
            AuthEvents = authEvents,
            Depth = depth,
            OriginServerTs = now,
            ReferenceHashOf = version.EventIdInPdu
                ? id => referenced.TryGetValue(id, out var p) ? EventHashing.ComputeReferenceHash(p.Root, version) : ReadOnlyMemory<byte>.Empty
                : null,
        };
        if (!PduBuilder.TryBuild(template, origin, key, out var pdu, out string? error))
        {
            throw MatrixException.BadJson($"Cannot build the membership event: {error}");
        }
        return pdu;
    }

    /// <summary>
    /// The unsigned template a <c>make_join</c> / <c>make_leave</c> / <c>make_knock</c> answer carries: the drafted
    /// event without hashes, signatures and event ID, with <c>origin</c> naming the resident server.
    /// </summary>
    public static JsonObject ToTemplate(Pdu draft, ServerName resident)
    {
        var template = JsonNode.Parse(draft.Json.Span)!.AsObject();
        foreach (string name in ServerFilledKeys)
        {
            template.Remove(name);
        }
        template["origin"] = resident.Value;
        return template;
    }

    /// <summary>
    /// Checks a template received from <c>make_*</c> and signs it as ours: spec: joins-v1.yaml "the sending server MUST
    /// verify that the room_id ..., sender and state_key ..., type ... and membership ... have the expected values",
    /// then "add or replace the origin, origin_server_ts, and event_id". <paramref name="extraContent"/> (profile,
    /// reason) is merged into the template's content. Returns null with <paramref name="problem"/> for a bad template.
    /// </summary>
    public static Pdu? SignTemplate(JsonElement template, RoomVersion version, RoomId roomId, UserId user, string membership,
        JsonObject? extraContent, ServerName origin, SigningKey key, long now, out string? problem)
    {
        problem = null;
        if (template.ValueKind != JsonValueKind.Object)
        {
            problem = "the template event is not an object";
            return null;
        }
        var node = JsonNode.Parse(template.GetRawText())!.AsObject();
        if (ReadString(node, "room_id") != roomId.Value || ReadString(node, "sender") != user.Value || ReadString(node, "state_key") != user.Value
            || ReadString(node, "type") != EventTypes.Member || node["content"] is not JsonObject content || ReadString(content, "membership") != membership)
        {
            problem = $"the template is not a {membership} of {user} in {roomId}";
            return null;
        }
        foreach (string name in ServerFilledKeys)
        {
            node.Remove(name);
        }
        if (extraContent is not null)
        {
            foreach (var (name, value) in extraContent)
            {
                if (name != "membership" && name != "join_authorised_via_users_server")
                {
                    content[name] = value?.DeepClone();
                }
            }
        }
        node["origin"] = origin.Value;
        node["origin_server_ts"] = now;
        if (version.EventIdInPdu)
        {
            node["event_id"] = EventId.NewServerScoped(origin).Value;
        }
        byte[] draft;
        try
        {
            draft = CanonicalJson.Encode(node, version.StrictCanonicalJson);
        }
        catch (CanonicalJsonException e)
        {
            problem = $"the template is not canonical JSON: {e.Message}";
            return null;
        }
        if (!EventSigning.TryHashAndSign(draft, version, origin.Value, key, out byte[]? signed, out string? error)
            || !PduParser.TryParse(signed, version, out Pdu? pdu, out error))
        {
            problem = $"the template cannot be signed: {error}";
            return null;
        }
        return pdu;
    }

    /// <summary>
    /// Adds our signature to another server's event (for an invite to one of our users, or a restricted join we
    /// authorise), leaving every other field untouched. spec: server-server "Signing events".
    /// </summary>
    public static Pdu AddSignature(Pdu pdu, ServerName origin, SigningKey key)
    {
        byte[] redacted = EventRedaction.Redact(pdu.Json.Span, pdu.RoomVersion);
        using var redactedDocument = JsonDocument.Parse(redacted);
        byte[] signedRedacted = JsonSigning.Sign(redactedDocument.RootElement, origin.Value, key);
        var signature = JsonNode.Parse(signedRedacted)!["signatures"]![origin.Value]![key.KeyId.Value]!.GetValue<string>();
        var full = JsonNode.Parse(pdu.Json.Span)!.AsObject();
        if (full["signatures"] is not JsonObject signatures)
        {
            signatures = new JsonObject();
            full["signatures"] = signatures;
        }
        if (signatures[origin.Value] is not JsonObject ours)
        {
            ours = new JsonObject();
            signatures[origin.Value] = ours;
        }
        ours[key.KeyId.Value] = signature;
        return PduParser.Parse(CanonicalJson.Encode(full, strict: false), pdu.RoomVersion);
    }

    /// <summary>A copy of the event with <c>unsigned.{name}</c> set (unsigned data is covered by neither hashes nor signatures).</summary>
    public static Pdu WithUnsigned(Pdu pdu, string name, JsonNode value)
    {
        var full = JsonNode.Parse(pdu.Json.Span)!.AsObject();
        if (full["unsigned"] is not JsonObject unsignedData)
        {
            unsignedData = new JsonObject();
            full["unsigned"] = unsignedData;
        }
        unsignedData[name] = value;
        return PduParser.Parse(CanonicalJson.Encode(full, strict: false), pdu.RoomVersion);
    }

    /// <summary>
    /// The state a would-be member may see before joining (spec: client-server "Stripped state": create, join rules,
    /// name, avatar, canonical alias, encryption, topic), as full PDUs (spec: invites-v2.yaml invite_room_state "MUST
    /// contain the m.room.create event ... formatted according to the room version"), plus <paramref name="sender"/>'s
    /// member event when given.
    /// </summary>
    public static IReadOnlyList<Pdu> SelectStrippedState(IReadOnlyDictionary<StateKey, Pdu> state, UserId? sender)
    {
        var selected = new List<Pdu>();
        foreach (string type in (string[])[EventTypes.Create, EventTypes.JoinRules, EventTypes.Name, EventTypes.Avatar, EventTypes.CanonicalAlias, EventTypes.Encryption, EventTypes.Topic])
        {
            if (state.TryGetValue(new StateKey(type, ""), out var pdu))
            {
                selected.Add(pdu);
            }
        }
        if (sender is { } user && state.TryGetValue(new StateKey(EventTypes.Member, user.Value), out var member))
        {
            selected.Add(member);
        }
        return selected;
    }

    /// <summary>spec: client-server "Stripped state": type, state_key, content and sender of a state event.</summary>
    public static JsonObject Stripped(JsonElement stateEvent)
    {
        var stripped = new JsonObject();
        foreach (string name in (string[])["type", "state_key", "content", "sender"])
        {
            if (stateEvent.TryGetProperty(name, out var value))
            {
                stripped[name] = JsonNode.Parse(value.GetRawText());
            }
        }
        return stripped;
    }

    /// <summary>The PDU as it goes over federation: its stored JSON.</summary>
    public static JsonNode ToJson(Pdu pdu) => JsonNode.Parse(pdu.Json.Span)!;

    /// <summary>The value of a string member, or null.</summary>
    public static string? ReadString(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>The value of a string member of an event's content, or null.</summary>
    public static string? ContentString(Pdu pdu, string name) =>
        pdu.Content.ValueKind == JsonValueKind.Object && pdu.Content.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
