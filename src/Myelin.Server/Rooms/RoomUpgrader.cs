using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Http;

namespace Myelin.Server.Rooms;

/// <summary>
/// Upgrades a room to a new room version: a new room whose create event names its predecessor, the transferable
/// state copied, local aliases moved, a tombstone in the old room and the old room's power levels restricted.
/// spec: client-server "Room Upgrades" server behaviour 1–6; openapi room_upgrades.yaml.
/// </summary>
public sealed class RoomUpgrader
{
    /// <summary>spec: room_upgrades "recommended state events to transfer" (power levels are handled on their own).</summary>
    private static readonly string[] TransferredState =
    [
        EventTypes.ServerAcl, EventTypes.Encryption, EventTypes.Name, EventTypes.Avatar, EventTypes.Topic,
        EventTypes.GuestAccess, EventTypes.HistoryVisibility, EventTypes.JoinRules,
    ];

    private static readonly string[] LevelKeys = ["users_default", "events_default", "state_default", "ban", "kick", "redact", "invite"];

    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly RoomMembership _membership;
    private readonly TimeProvider _time;

    public RoomUpgrader(RoomEventWriter writer, RoomEvents events, RoomMembership membership, TimeProvider time)
    {
        _writer = writer;
        _events = events;
        _membership = membership;
        _time = time;
    }

    /// <summary>Upgrades the room and returns the replacement room's ID.</summary>
    public async Task<RoomId> UpgradeAsync(UserId user, RoomId oldRoom, RoomVersion newVersion, IReadOnlyList<UserId> additionalCreators, CancellationToken cancellationToken)
    {
        await _membership.RequireKnownRoomAsync(oldRoom, cancellationToken);
        var oldVersion = await _events.GetRoomVersionAsync(oldRoom, cancellationToken) ?? throw MatrixException.NotFound($"Unknown room {oldRoom}.");
        var oldState = await _writer.GetCurrentStateAsync(oldRoom, cancellationToken);
        var oldCreate = oldState.GetValueOrDefault(new StateKey(EventTypes.Create, ""));
        var oldPowerLevels = oldState.GetValueOrDefault(new StateKey(EventTypes.PowerLevels, ""));
        var levels = PowerLevels.From(oldPowerLevels, oldCreate, oldVersion);

        // 1. The user must be able to send the tombstone.
        if (AuthRules.MembershipOf(key => oldState.GetValueOrDefault(key), user) != Membership.Join)
        {
            throw MatrixException.Forbidden($"You are not joined to {oldRoom}.");
        }
        if (!levels.CanSend(user, EventTypes.Tombstone, isState: true))
        {
            throw MatrixException.Forbidden(
                $"You need power level {levels.GetRequiredLevelForEvent(EventTypes.Tombstone, true)} to upgrade this room; yours is {levels.GetUserLevel(user)}.");
        }
        if (oldState.ContainsKey(new StateKey(EventTypes.Tombstone, "")))
        {
            throw MatrixException.BadState($"Room {oldRoom} has already been replaced.");
        }

        // 2. The replacement room's create event: predecessor, version, and the old room's type.
        var createContent = new JsonObject { ["room_version"] = newVersion.Id };
        if (!newVersion.CreatorIsSender)
        {
            createContent["creator"] = user.Value;
        }
        var predecessor = new JsonObject { ["room_id"] = oldRoom.Value };
        var extremities = await _events.Database.Events.GetForwardExtremitiesAsync(oldRoom, cancellationToken);
        if (extremities.Count > 0)
        {
            predecessor["event_id"] = extremities[0].Value;
        }
        createContent["predecessor"] = predecessor;
        if (oldCreate is not null && oldCreate.Content.ValueKind == JsonValueKind.Object &&
            oldCreate.Content.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            createContent["type"] = type.GetString();
        }
        var creators = new HashSet<UserId> { user };
        if (newVersion.PrivilegedCreators)
        {
            var extra = additionalCreators.Where(c => c != user).Distinct().ToArray();
            if (extra.Length > 0)
            {
                createContent["additional_creators"] = new JsonArray([.. extra.Select(c => (JsonNode)c.Value)]);
            }
            creators.UnionWith(extra);
        }

        // Power levels for the new room: the old ones, as integers, without creators where v12 forbids them.
        var finalLevels = oldPowerLevels is not null && oldPowerLevels.Content.ValueKind == JsonValueKind.Object
            ? NormalizeLevels(JsonNode.Parse(oldPowerLevels.Content.GetRawText())!.AsObject())
            : RoomCreator.DefaultPowerLevels(user, newVersion, RoomPresets.PrivateChat);
        if (newVersion.PrivilegedCreators && finalLevels["users"] is JsonObject users)
        {
            foreach (var creator in creators)
            {
                users.Remove(creator.Value);
            }
        }
        if (!newVersion.PrivilegedCreators && oldVersion.PrivilegedCreators && levels.IsCreator(user))
        {
            // A creator (infinite power in the old room) keeps full power in a room version without privileged creators.
            var listed = finalLevels["users"] as JsonObject ?? new JsonObject();
            finalLevels["users"] = listed;
            listed[user.Value] = RequiredMaximum(finalLevels);
        }

        var newRoom = await _writer.CreateRoomAsync(newVersion, user, JsonElement.Parse(createContent.ToJsonString()), cancellationToken);
        await _membership.SendMemberEventAsync(user, newRoom, user, Membership.Join, reason: null, extra: null, cancellationToken);

        // While copying state, the upgrader needs enough power to send all of it; the final levels come last.
        JsonObject? raised = null;
        if (!newVersion.PrivilegedCreators)
        {
            long needed = RequiredMaximum(finalLevels);
            long own = finalLevels["users"] is JsonObject u && u[user.Value] is JsonValue v && v.TryGetValue(out long l) ? l : ReadLevel(finalLevels, "users_default", 0);
            if (own < needed)
            {
                raised = (JsonObject)finalLevels.DeepClone();
                var raisedUsers = raised["users"] as JsonObject ?? new JsonObject();
                raised["users"] = raisedUsers;
                raisedUsers[user.Value] = needed;
            }
        }
        await SendStateAsync(newRoom, user, EventTypes.PowerLevels, raised ?? finalLevels, cancellationToken);

        // 3. Transferable state.
        foreach (string stateType in TransferredState)
        {
            if (oldState.TryGetValue(new StateKey(stateType, ""), out var e) && e.Content.ValueKind == JsonValueKind.Object)
            {
                await SendStateAsync(newRoom, user, stateType, JsonNode.Parse(e.Content.GetRawText())!.AsObject(), cancellationToken);
            }
        }

        // 4. Local aliases move to the new room, and the canonical alias with them.
        var database = _events.Database;
        foreach (var alias in await database.RoomAliases.GetForRoomAsync(oldRoom, cancellationToken))
        {
            var record = await database.RoomAliases.ResolveAsync(alias, cancellationToken);
            await database.RoomAliases.DeleteAsync(alias, cancellationToken);
            await database.RoomAliases.CreateAsync(alias, newRoom, record?.Creator ?? user, record?.CreatedTs ?? _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        }
        if (oldState.TryGetValue(new StateKey(EventTypes.CanonicalAlias, ""), out var canonical) && canonical.Content.ValueKind == JsonValueKind.Object)
        {
            await SendStateAsync(newRoom, user, EventTypes.CanonicalAlias, JsonNode.Parse(canonical.Content.GetRawText())!.AsObject(), cancellationToken);
            await TrySendStateAsync(oldRoom, user, EventTypes.CanonicalAlias, new JsonObject(), cancellationToken);
        }
        if (raised is not null)
        {
            await SendStateAsync(newRoom, user, EventTypes.PowerLevels, finalLevels, cancellationToken);
        }

        // A published room stays published under its new ID.
        if (await database.Rooms.GetAsync(oldRoom, cancellationToken) is { IsPublic: true })
        {
            await database.Rooms.SetPublicAsync(newRoom, true, cancellationToken);
            await database.Rooms.SetPublicAsync(oldRoom, false, cancellationToken);
        }

        // 5. The tombstone.
        await SendStateAsync(oldRoom, user, EventTypes.Tombstone,
            new JsonObject { ["body"] = "This room has been replaced", ["replacement_room"] = newRoom.Value }, cancellationToken);

        // 6. Stop chat and invites in the old room: events_default and invite to max(50, users_default + 1).
        if (oldPowerLevels is not null && oldPowerLevels.Content.ValueKind == JsonValueKind.Object)
        {
            var restricted = JsonNode.Parse(oldPowerLevels.Content.GetRawText())!.AsObject();
            long restrictTo = Math.Max(50, levels.UsersDefault + 1);
            restricted["events_default"] = restrictTo;
            restricted["invite"] = restrictTo;
            await TrySendStateAsync(oldRoom, user, EventTypes.PowerLevels, restricted, cancellationToken);
        }
        return newRoom;
    }

    /// <summary>Power levels written as strings (allowed before room version 10) become integers.</summary>
    private static JsonObject NormalizeLevels(JsonObject content)
    {
        foreach (string key in LevelKeys)
        {
            if (content[key] is JsonValue value && ToLevel(value) is { } level)
            {
                content[key] = level;
            }
        }
        foreach (string map in (string[])["users", "events", "notifications"])
        {
            if (content[map] is JsonObject entries)
            {
                foreach (var name in entries.Select(e => e.Key).ToArray())
                {
                    if (entries[name] is JsonValue value && ToLevel(value) is { } level)
                    {
                        entries[name] = level;
                    }
                }
            }
        }
        return content;
    }

    private static long? ToLevel(JsonValue value)
    {
        if (value.TryGetValue(out long number))
        {
            return number;
        }
        return value.TryGetValue(out string? text) && long.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed)
            ? parsed
            : null;
    }

    private static long ReadLevel(JsonObject content, string key, long fallback) =>
        content[key] is JsonValue v && v.TryGetValue(out long level) ? level : fallback;

    /// <summary>The highest level any state event type (or power levels change) needs, at least 100.</summary>
    private static long RequiredMaximum(JsonObject content)
    {
        long max = Math.Max(100, ReadLevel(content, "state_default", PowerLevels.DefaultStateDefault));
        if (content["events"] is JsonObject events)
        {
            foreach (var (_, node) in events)
            {
                if (node is JsonValue v && v.TryGetValue(out long level))
                {
                    max = Math.Max(max, level);
                }
            }
        }
        return max;
    }

    private Task<SentEvent> SendStateAsync(RoomId roomId, UserId sender, string type, JsonObject content, CancellationToken cancellationToken) =>
        _writer.SendAsync(new NewEvent(roomId, sender, type, JsonElement.Parse(content.ToJsonString())) { StateKey = "" }, cancellationToken);

    private async Task TrySendStateAsync(RoomId roomId, UserId sender, string type, JsonObject content, CancellationToken cancellationToken)
    {
        try
        {
            await SendStateAsync(roomId, sender, type, content, cancellationToken);
        }
        catch (MatrixException e) when (e.ErrCode == MatrixErrorCodes.Forbidden)
        {
            // spec: "if possible" — the upgrader may lack the power for this one; the upgrade itself stands.
        }
    }
}
