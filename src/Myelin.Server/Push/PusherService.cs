using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Storage;
using Myelin.Storage.Push;

namespace Myelin.Server.Push;

/// <summary>
/// A user's pushers: listing and <c>/pushers/set</c> (create, update, delete) with the spec's validation.
/// spec: client-server "GET /pushers", "POST /pushers/set".
/// </summary>
public sealed class PusherService
{
    /// <summary>The path every http pusher URL must have. spec: pusher.yaml <c>data.url</c>.</summary>
    public const string NotifyPath = "/_matrix/push/v1/notify";

    /// <summary>spec: pusher.yaml "Max length, 512 bytes" (pushkey) and "Max length, 64 chars" (app_id).</summary>
    public const int MaxPushkeyBytes = 512;
    public const int MaxAppIdLength = 64;

    private readonly MyelinDatabase _database;
    private readonly TimeProvider _time;

    public PusherService(MyelinDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public Task<IReadOnlyList<Pusher>> ListAsync(UserId userId, CancellationToken cancellationToken) =>
        _database.Pushers.GetForUserAsync(userId, cancellationToken);

    /// <summary>The spec's Pusher object for <c>GET /pushers</c>.</summary>
    public static JsonObject ToJson(Pusher pusher)
    {
        ArgumentNullException.ThrowIfNull(pusher);
        var json = new JsonObject
        {
            ["pushkey"] = pusher.Pushkey,
            ["kind"] = pusher.Kind,
            ["app_id"] = pusher.AppId,
            ["app_display_name"] = pusher.AppDisplayName,
            ["device_display_name"] = pusher.DeviceDisplayName,
            ["lang"] = pusher.Lang,
            ["data"] = JsonNode.Parse(pusher.Data),
        };
        if (pusher.ProfileTag is not null)
        {
            json["profile_tag"] = pusher.ProfileTag;
        }
        return json;
    }

    /// <summary>
    /// Applies a <c>/pushers/set</c> body: <c>kind</c> null deletes the pusher, otherwise it is created or updated for
    /// <paramref name="userId"/> (tied to <paramref name="deviceId"/>, so deleting the device removes it).
    /// </summary>
    public async Task SetAsync(UserId userId, DeviceId? deviceId, JsonElement body, CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The body must be a JSON object.");
        }
        var missing = new List<string>();
        foreach (string required in (string[])["kind", "app_id", "pushkey"])
        {
            if (!body.TryGetProperty(required, out _))
            {
                missing.Add(required);
            }
        }
        if (missing.Count > 0)
        {
            throw MatrixException.MissingParam($"Missing parameters: {string.Join(", ", missing)}");
        }
        var kindJson = body.GetProperty("kind");
        if (kindJson.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            throw MatrixException.BadJson("'kind' must be a string or null.");
        }
        string appId = RequireString(body, "app_id");
        string pushkey = RequireString(body, "pushkey");
        if (appId.Length == 0 || appId.Length > MaxAppIdLength)
        {
            throw MatrixException.InvalidParam($"'app_id' must be 1 to {MaxAppIdLength} characters.");
        }
        if (pushkey.Length == 0 || Encoding.UTF8.GetByteCount(pushkey) > MaxPushkeyBytes)
        {
            throw MatrixException.InvalidParam($"'pushkey' must be 1 to {MaxPushkeyBytes} bytes.");
        }
        if (kindJson.ValueKind == JsonValueKind.Null)
        {
            // spec: "If kind is null, the pusher with this app_id and pushkey for this user is deleted."
            await _database.Pushers.DeleteAsync(userId, appId, pushkey, cancellationToken);
            return;
        }

        foreach (string required in (string[])["app_display_name", "device_display_name", "lang", "data"])
        {
            if (!body.TryGetProperty(required, out _))
            {
                missing.Add(required);
            }
        }
        if (missing.Count > 0)
        {
            throw MatrixException.MissingParam($"Missing parameters: {string.Join(", ", missing)}");
        }
        string appDisplayName = RequireString(body, "app_display_name");
        string deviceDisplayName = RequireString(body, "device_display_name");
        string lang = RequireString(body, "lang");
        string? profileTag = body.TryGetProperty("profile_tag", out var tagJson) && tagJson.ValueKind != JsonValueKind.Null
            ? tagJson.ValueKind == JsonValueKind.String ? tagJson.GetString() : throw MatrixException.BadJson("'profile_tag' must be a string.")
            : null;
        bool append = false;
        if (body.TryGetProperty("append", out var appendJson))
        {
            append = appendJson.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw MatrixException.BadJson("'append' must be a boolean."),
            };
        }
        var data = body.GetProperty("data");
        if (data.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("'data' must be an object.");
        }
        if (data.TryGetProperty("format", out var format) && format.ValueKind != JsonValueKind.String)
        {
            throw MatrixException.BadJson("'data.format' must be a string.");
        }

        string kind = kindJson.GetString()!;
        switch (kind)
        {
            case "http":
                ValidateUrl(data);
                break;
            case "email":
                // Myelin sends no email; the spec lets a server refuse a pusher it cannot run (400, invalid values).
                throw MatrixException.InvalidParam("Email pushers are not supported by this server.");
            default:
                throw MatrixException.InvalidParam($"Unknown pusher kind '{kind}': only 'http' is supported.");
        }

        var existing = await _database.Pushers.GetAsync(userId, appId, pushkey, cancellationToken);
        await _database.Pushers.SetAsync(new Pusher
        {
            UserId = userId,
            AppId = appId,
            Pushkey = pushkey,
            Kind = kind,
            DeviceId = deviceId,
            AppDisplayName = appDisplayName,
            DeviceDisplayName = deviceDisplayName,
            ProfileTag = profileTag,
            Lang = lang,
            Data = data.GetRawText(),
            PushkeyTs = existing?.PushkeyTs ?? _time.GetUtcNow().ToUnixTimeMilliseconds(),
        }, append, cancellationToken);
    }

    /// <summary>spec: <c>data.url</c> is required for http pushers and must have the path <c>/_matrix/push/v1/notify</c>.</summary>
    private static void ValidateUrl(JsonElement data)
    {
        if (!data.TryGetProperty("url", out var urlJson))
        {
            throw MatrixException.MissingParam("'url' is required in 'data' for an http pusher.");
        }
        if (urlJson.ValueKind != JsonValueKind.String)
        {
            throw MatrixException.BadJson("'data.url' must be a string.");
        }
        // The spec says HTTPS; plain http is accepted too (as Synapse does) for gateways on a trusted network.
        if (!Uri.TryCreate(urlJson.GetString(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
            || string.IsNullOrEmpty(url.Host))
        {
            throw MatrixException.InvalidParam("'data.url' must be an absolute http(s) URL.");
        }
        if (url.AbsolutePath != NotifyPath)
        {
            throw MatrixException.InvalidParam($"'data.url' must have the path '{NotifyPath}'.");
        }
    }

    private static string RequireString(JsonElement body, string name)
    {
        var value = body.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw MatrixException.BadJson($"'{name}' must be a string.");
    }
}
