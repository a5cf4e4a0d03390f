using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.E2ee;

namespace Myelin.Server.E2ee;

/// <summary>Server-side key backups. spec: client-server "Server-side key backups", openapi key_backup.yaml.</summary>
public sealed class RoomKeyBackupService(MyelinDatabase database)
{
    public const string WrongRoomKeysVersion = "M_WRONG_ROOM_KEYS_VERSION";

    public async Task<string> CreateVersionAsync(UserId user, JsonObject body, CancellationToken cancellationToken)
    {
        var (algorithm, authData) = ReadVersionBody(body);
        long version = await database.RoomKeyBackups.CreateVersionAsync(user, algorithm, authData.ToJsonString(), cancellationToken);
        return version.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The version's metadata (current when <paramref name="version"/> is null); M_NOT_FOUND if absent.</summary>
    public async Task<JsonObject> GetVersionAsync(UserId user, string? version, CancellationToken cancellationToken)
    {
        var record = await database.RoomKeyBackups.GetVersionAsync(user, version is null ? null : ParseVersion(version), cancellationToken)
            ?? throw MatrixException.NotFound(version is null ? "No current backup version." : $"Unknown backup version '{version}'.");
        return new JsonObject
        {
            ["algorithm"] = record.Algorithm,
            ["auth_data"] = JsonNode.Parse(record.AuthDataJson),
            ["count"] = record.Count,
            ["etag"] = record.Etag.ToString(CultureInfo.InvariantCulture),
            ["version"] = record.Version.ToString(CultureInfo.InvariantCulture),
        };
    }

    public async Task UpdateVersionAsync(UserId user, string version, JsonObject body, CancellationToken cancellationToken)
    {
        var (algorithm, authData) = ReadVersionBody(body);
        var record = await database.RoomKeyBackups.GetVersionAsync(user, ParseVersion(version), cancellationToken)
            ?? throw MatrixException.NotFound($"Unknown backup version '{version}'.");
        if (body["version"] is { } bodyVersion && (bodyVersion.GetValueKind() != JsonValueKind.String || bodyVersion.GetValue<string>() != version))
        {
            throw MatrixException.InvalidParam("'version' in the body must match the version in the path.");
        }
        if (algorithm != record.Algorithm)
        {
            throw MatrixException.InvalidParam("'algorithm' must match the backup's algorithm.");
        }
        await database.RoomKeyBackups.UpdateVersionAsync(user, record.Version, authData.ToJsonString(), cancellationToken);
    }

    public async Task DeleteVersionAsync(UserId user, string version, CancellationToken cancellationToken)
    {
        if (!await database.RoomKeyBackups.DeleteVersionAsync(user, ParseVersion(version), cancellationToken))
        {
            throw MatrixException.NotFound($"Unknown backup version '{version}'.");
        }
    }

    /// <summary>PUT keys: <paramref name="body"/> is the whole-backup, one-room or one-session shape per the path.</summary>
    public async Task<JsonObject> PutKeysAsync(UserId user, string? version, string? roomId, string? sessionId, JsonObject body, CancellationToken cancellationToken)
    {
        long current = await RequireCurrentAsync(user, version, cancellationToken);
        var entries = new List<RoomKeyBackupEntry>();
        if (sessionId is not null)
        {
            entries.Add(ReadKey(roomId!, sessionId, body, "body"));
        }
        else if (roomId is not null)
        {
            ReadRoom(roomId, body, "body", entries);
        }
        else
        {
            if (body["rooms"] is not JsonObject rooms)
            {
                throw body.ContainsKey("rooms") ? MatrixException.BadJson("'rooms' must be an object.") : MatrixException.MissingParam("'rooms' is required.");
            }
            foreach (var (room, roomBody) in rooms)
            {
                ReadRoom(room, roomBody as JsonObject ?? throw MatrixException.BadJson($"'rooms.{room}' must be an object."), $"rooms.{room}", entries);
            }
        }
        var (count, etag) = await database.RoomKeyBackups.PutKeysAsync(user, current, entries, cancellationToken);
        return CountAndEtag(count, etag);
    }

    public async Task<JsonObject> GetKeysAsync(UserId user, string? version, string? roomId, string? sessionId, CancellationToken cancellationToken)
    {
        var record = await database.RoomKeyBackups.GetVersionAsync(user, ParseVersion(RequireVersionParam(version)), cancellationToken)
            ?? throw MatrixException.NotFound($"Unknown backup version '{version}'.");
        var keys = await database.RoomKeyBackups.GetKeysAsync(user, record.Version, roomId, sessionId, cancellationToken);
        if (sessionId is not null)
        {
            return keys.Count == 0 ? throw MatrixException.NotFound("No key for this session.") : ToJson(keys[0]);
        }
        if (roomId is not null)
        {
            // spec: a room without keys answers an empty sessions object.
            return new JsonObject { ["sessions"] = Sessions(keys) };
        }
        var rooms = new JsonObject();
        foreach (var room in keys.GroupBy(k => k.RoomId, StringComparer.Ordinal))
        {
            rooms[room.Key] = new JsonObject { ["sessions"] = Sessions(room) };
        }
        return new JsonObject { ["rooms"] = rooms };
    }

    public async Task<JsonObject> DeleteKeysAsync(UserId user, string? version, string? roomId, string? sessionId, CancellationToken cancellationToken)
    {
        var record = await database.RoomKeyBackups.GetVersionAsync(user, ParseVersion(RequireVersionParam(version)), cancellationToken)
            ?? throw MatrixException.NotFound($"Unknown backup version '{version}'.");
        var (count, etag) = await database.RoomKeyBackups.DeleteKeysAsync(user, record.Version, roomId, sessionId, cancellationToken);
        return CountAndEtag(count, etag);
    }

    /// <summary>spec: keys may only be stored in the current backup: 403 M_WRONG_ROOM_KEYS_VERSION with current_version.</summary>
    private async Task<long> RequireCurrentAsync(UserId user, string? version, CancellationToken cancellationToken)
    {
        string requested = RequireVersionParam(version);
        var current = await database.RoomKeyBackups.GetVersionAsync(user, null, cancellationToken)
            ?? throw MatrixException.NotFound("No current backup version.");
        string currentText = current.Version.ToString(CultureInfo.InvariantCulture);
        if (requested != currentText)
        {
            throw new MatrixException(WrongRoomKeysVersion, $"Backup version '{requested}' is not the current version.", 403,
                new Dictionary<string, JsonNode?> { ["current_version"] = currentText });
        }
        return current.Version;
    }

    private static string RequireVersionParam(string? version) =>
        version ?? throw MatrixException.MissingParam("The 'version' query parameter is required.");

    /// <summary>Versions are numbers we issued; anything else names no backup.</summary>
    private static long ParseVersion(string version) =>
        long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : throw MatrixException.NotFound($"Unknown backup version '{version}'.");

    private static (string Algorithm, JsonObject AuthData) ReadVersionBody(JsonObject body)
    {
        if (body["algorithm"] is not { } algorithmNode)
        {
            throw MatrixException.MissingParam("'algorithm' is required.");
        }
        if (algorithmNode.GetValueKind() != JsonValueKind.String)
        {
            throw MatrixException.BadJson("'algorithm' must be a string.");
        }
        if (body["auth_data"] is not { } authNode)
        {
            throw MatrixException.MissingParam("'auth_data' is required.");
        }
        return (algorithmNode.GetValue<string>(), authNode as JsonObject ?? throw MatrixException.BadJson("'auth_data' must be an object."));
    }

    private static void ReadRoom(string roomId, JsonObject room, string path, List<RoomKeyBackupEntry> entries)
    {
        if (room["sessions"] is not JsonObject sessions)
        {
            throw room.ContainsKey("sessions") ? MatrixException.BadJson($"'{path}.sessions' must be an object.") : MatrixException.MissingParam($"'{path}.sessions' is required.");
        }
        foreach (var (session, key) in sessions)
        {
            entries.Add(ReadKey(roomId, session, key as JsonObject ?? throw MatrixException.BadJson($"'{path}.sessions.{session}' must be an object."), $"{path}.sessions.{session}"));
        }
    }

    /// <summary>spec: definitions/key_backup_data.yaml — all four fields are required.</summary>
    private static RoomKeyBackupEntry ReadKey(string roomId, string sessionId, JsonObject key, string path)
    {
        long Integer(string name) => key[name] switch
        {
            null => throw MatrixException.MissingParam($"'{path}.{name}' is required."),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long l) && l >= 0 => l,
            _ => throw MatrixException.BadJson($"'{path}.{name}' must be a non-negative integer."),
        };
        long first = Integer("first_message_index");
        long forwarded = Integer("forwarded_count");
        bool verified = key["is_verified"] switch
        {
            null => throw MatrixException.MissingParam($"'{path}.is_verified' is required."),
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            _ => throw MatrixException.BadJson($"'{path}.is_verified' must be a boolean."),
        };
        var data = key["session_data"] switch
        {
            null => throw MatrixException.MissingParam($"'{path}.session_data' is required."),
            JsonObject o => o,
            _ => throw MatrixException.BadJson($"'{path}.session_data' must be an object."),
        };
        return new RoomKeyBackupEntry(roomId, sessionId, first, forwarded, verified, data.ToJsonString());
    }

    private static JsonObject Sessions(IEnumerable<RoomKeyBackupEntry> keys)
    {
        var sessions = new JsonObject();
        foreach (var key in keys)
        {
            sessions[key.SessionId] = ToJson(key);
        }
        return sessions;
    }

    private static JsonObject ToJson(RoomKeyBackupEntry key) => new()
    {
        ["first_message_index"] = key.FirstMessageIndex,
        ["forwarded_count"] = key.ForwardedCount,
        ["is_verified"] = key.IsVerified,
        ["session_data"] = JsonNode.Parse(key.SessionDataJson),
    };

    private static JsonObject CountAndEtag(long count, long etag) => new() { ["count"] = count, ["etag"] = etag.ToString(CultureInfo.InvariantCulture) };
}
