using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.Profiles;

/// <summary>
/// Local users' profiles: display name, avatar, <c>m.tz</c> and custom fields. Changes to the display name or
/// avatar run every registered <see cref="IProfileChangeHandler"/>. spec: client-server "Profiles".
/// </summary>
public sealed partial class ProfileService
{
    public const string DisplayName = "displayname";
    public const string AvatarUrl = "avatar_url";
    public const string TimeZone = "m.tz";

    /// <summary>spec: "the total profile MUST be under 64 KiB".</summary>
    public const int MaxProfileBytes = 64 * 1024;

    /// <summary>spec: "maximum allowed key length of 255 bytes".</summary>
    public const int MaxKeyBytes = 255;

    /// <summary>Longest display name accepted (Synapse's limit).</summary>
    public const int MaxDisplayNameLength = 256;

    public const string ProfileTooLarge = "M_PROFILE_TOO_LARGE";
    public const string KeyTooLarge = "M_KEY_TOO_LARGE";

    private readonly MyelinDatabase _database;
    private readonly MyelinConfig _config;
    private readonly IServiceProvider _services;

    public ProfileService(MyelinDatabase database, MyelinConfig config, IServiceProvider services)
    {
        _database = database;
        _config = config;
        _services = services;
    }

    [GeneratedRegex(@"^(avatar_url|displayname|m\.tz|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$")]
    private static partial Regex KeyNamePattern();

    /// <summary>Whether <paramref name="key"/> is a profile key clients may use. spec: profile.yaml <c>keyName</c> pattern.</summary>
    public static bool IsValidKey(string key) => KeyNamePattern().IsMatch(key);

    /// <summary>The whole profile, or 404 <c>M_NOT_FOUND</c> for unknown (or remote) users.</summary>
    public async Task<JsonObject> GetAsync(UserId userId, CancellationToken cancellationToken = default)
    {
        var profile = await _database.Profiles.GetAsync(userId, cancellationToken);
        if (profile is null || userId.Server != _config.ServerName)
        {
            throw MatrixException.NotFound("Profile not found.");
        }
        var json = new JsonObject();
        if (profile.DisplayName is not null)
        {
            json[DisplayName] = profile.DisplayName;
        }
        if (profile.AvatarUrl is not null)
        {
            json[AvatarUrl] = profile.AvatarUrl;
        }
        foreach (var (field, value) in await _database.ProfileFields.GetAllAsync(userId, cancellationToken))
        {
            json[field] = JsonNode.Parse(value);
        }
        return json;
    }

    /// <summary>One field as <c>{key: value}</c>; 404 <c>M_NOT_FOUND</c> when the user or the field does not exist.</summary>
    public async Task<JsonObject> GetFieldAsync(UserId userId, string key, CancellationToken cancellationToken = default)
    {
        RequireValidKey(key);
        var profile = await GetAsync(userId, cancellationToken);
        return profile.TryGetPropertyValue(key, out var value)
            ? new JsonObject { [key] = value?.DeepClone() }
            : throw MatrixException.NotFound($"The profile has no '{key}' field.");
    }

    /// <summary>
    /// Sets a field of the user's own profile, validating the value (display name a string, avatar an
    /// <c>mxc://</c> URI or empty, <c>m.tz</c> a string) and the 64 KiB total.
    /// </summary>
    public async Task SetFieldAsync(UserId userId, string key, JsonElement value, CancellationToken cancellationToken = default)
    {
        RequireValidKey(key);
        var current = await GetAsync(userId, cancellationToken);
        switch (key)
        {
            case DisplayName:
            {
                string? name = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw MatrixException.BadJson("'displayname' must be a string."),
                };
                if (name is { Length: > MaxDisplayNameLength })
                {
                    throw MatrixException.InvalidParam($"'displayname' is too long (at most {MaxDisplayNameLength} characters).");
                }
                name = string.IsNullOrEmpty(name) ? null : name;
                CheckSize(current, key, name is null ? null : JsonValue.Create(name));
                await _database.Profiles.SetDisplayNameAsync(userId, name, cancellationToken);
                await NotifyAsync(userId, cancellationToken);
                return;
            }
            case AvatarUrl:
            {
                string? url = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw MatrixException.BadJson("'avatar_url' must be a string."),
                };
                if (!string.IsNullOrEmpty(url) && !MxcUri.TryParse(url, out _))
                {
                    throw MatrixException.InvalidParam("'avatar_url' must be an mxc:// URI.");
                }
                url = string.IsNullOrEmpty(url) ? null : url;
                CheckSize(current, key, url is null ? null : JsonValue.Create(url));
                await _database.Profiles.SetAvatarUrlAsync(userId, url, cancellationToken);
                await NotifyAsync(userId, cancellationToken);
                return;
            }
            case TimeZone when value.ValueKind != JsonValueKind.String:
                throw MatrixException.BadJson("'m.tz' must be a string.");
            default:
            {
                var node = JsonSerializer.SerializeToNode(value);
                CheckSize(current, key, node);
                await _database.ProfileFields.SetAsync(userId, key, value.GetRawText(), cancellationToken);
                return;
            }
        }
    }

    /// <summary>Removes a field; succeeds when it was not set.</summary>
    public async Task DeleteFieldAsync(UserId userId, string key, CancellationToken cancellationToken = default)
    {
        RequireValidKey(key);
        await GetAsync(userId, cancellationToken);
        switch (key)
        {
            case DisplayName:
                await _database.Profiles.SetDisplayNameAsync(userId, null, cancellationToken);
                await NotifyAsync(userId, cancellationToken);
                break;
            case AvatarUrl:
                await _database.Profiles.SetAvatarUrlAsync(userId, null, cancellationToken);
                await NotifyAsync(userId, cancellationToken);
                break;
            default:
                await _database.ProfileFields.DeleteAsync(userId, key, cancellationToken);
                break;
        }
    }

    private static void RequireValidKey(string key)
    {
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            throw new MatrixException(KeyTooLarge, $"Profile keys are at most {MaxKeyBytes} bytes.", 400);
        }
        if (!IsValidKey(key))
        {
            throw MatrixException.InvalidParam($"Invalid profile key '{key}'.");
        }
    }

    private static void CheckSize(JsonObject current, string key, JsonNode? newValue)
    {
        var next = (JsonObject)current.DeepClone();
        next.Remove(key);
        if (newValue is not null)
        {
            next[key] = newValue.DeepClone();
        }
        if (Encoding.UTF8.GetByteCount(next.ToJsonString()) >= MaxProfileBytes)
        {
            throw new MatrixException(ProfileTooLarge, "The profile would exceed 64 KiB.", 400);
        }
    }

    private async Task NotifyAsync(UserId userId, CancellationToken cancellationToken)
    {
        var profile = await _database.Profiles.GetAsync(userId, cancellationToken);
        if (profile is null)
        {
            return;
        }
        foreach (var handler in _services.GetServices<IProfileChangeHandler>())
        {
            await handler.OnProfileChangedAsync(userId, profile, cancellationToken);
        }
    }
}
