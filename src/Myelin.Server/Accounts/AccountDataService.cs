using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.Streams;

namespace Myelin.Server.Accounts;

/// <summary>
/// Per-user account data (global and per room), room tags (<c>m.tag</c>) and the ignore list
/// (<c>m.ignored_user_list</c>). Every write advances the account-data stream and wakes the user's /sync.
/// spec: client-server "Client Config", "Room Tagging", "Ignoring Users".
/// </summary>
public sealed class AccountDataService
{
    public const string FullyRead = "m.fully_read";
    public const string PushRules = "m.push_rules";
    public const string IgnoredUserList = "m.ignored_user_list";
    public const string Tag = "m.tag";

    /// <summary>Longest tag name accepted (Synapse's limit).</summary>
    public const int MaxTagLength = 255;

    private readonly MyelinDatabase _database;
    private readonly Notifier _notifier;

    public AccountDataService(MyelinDatabase database, Notifier notifier)
    {
        _database = database;
        _notifier = notifier;
    }

    /// <summary>The content for <paramref name="type"/>, or 404 <c>M_NOT_FOUND</c>.</summary>
    public async Task<JsonObject> GetAsync(UserId userId, RoomId? roomId, string type, CancellationToken cancellationToken = default)
    {
        var entry = await _database.AccountData.GetAsync(userId, roomId, type, cancellationToken)
            ?? throw MatrixException.NotFound($"No account data of type '{type}'.");
        return JsonNode.Parse(entry.Content)!.AsObject();
    }

    /// <summary>
    /// Sets account data from a client. Types the server manages itself (<c>m.fully_read</c>, <c>m.push_rules</c>)
    /// are refused with 405 <c>M_BAD_JSON</c>; <c>m.ignored_user_list</c> must have the spec's shape.
    /// </summary>
    public async Task<StreamPosition> SetFromClientAsync(UserId userId, RoomId? roomId, string type, JsonObject content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(content);
        if (type.Length == 0)
        {
            throw MatrixException.InvalidParam("The account data type must not be empty.");
        }
        if (type is FullyRead or PushRules)
        {
            // spec: account-data.yaml 405: "This type of account data is controlled by the server; it cannot be modified by clients."
            throw new MatrixException(MatrixErrorCodes.BadJson, $"Cannot set '{type}' through this API.", 405);
        }
        if (type == IgnoredUserList && roomId is null)
        {
            ValidateIgnoredUserList(content, userId);
        }
        return await SetAsync(userId, roomId, type, content, cancellationToken);
    }

    /// <summary>Sets account data without the client-facing restrictions (for server-managed types).</summary>
    public async Task<StreamPosition> SetAsync(UserId userId, RoomId? roomId, string type, JsonObject content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var position = await _database.AccountData.SetAsync(userId, roomId, type, content.ToJsonString(), cancellationToken);
        _notifier.NotifyUser(userId);
        return position;
    }

    /// <summary>The room's tags (<c>m.tag</c> content's <c>tags</c>), empty when none.</summary>
    public async Task<JsonObject> GetTagsAsync(UserId userId, RoomId roomId, CancellationToken cancellationToken = default)
    {
        var entry = await _database.AccountData.GetAsync(userId, roomId, Tag, cancellationToken);
        return entry is not null && JsonNode.Parse(entry.Content) is JsonObject { } content && content["tags"] is JsonObject tags
            ? (JsonObject)tags.DeepClone()
            : new JsonObject();
    }

    /// <summary>Adds or replaces a tag; <paramref name="tagContent"/> may carry a numeric <c>order</c>.</summary>
    public async Task PutTagAsync(UserId userId, RoomId roomId, string tag, JsonObject tagContent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        ArgumentNullException.ThrowIfNull(tagContent);
        if (tag.Length is 0 or > MaxTagLength)
        {
            throw MatrixException.InvalidParam($"Tag names are 1-{MaxTagLength} characters.");
        }
        if (tagContent.TryGetPropertyValue("order", out var order) && order is not null && order.GetValueKind() != JsonValueKind.Number)
        {
            throw MatrixException.BadJson("'order' must be a number.");
        }
        var tags = await GetTagsAsync(userId, roomId, cancellationToken);
        tags[tag] = tagContent.DeepClone();
        await SetAsync(userId, roomId, Tag, new JsonObject { ["tags"] = tags }, cancellationToken);
    }

    /// <summary>Removes a tag (no error when it was not set).</summary>
    public async Task DeleteTagAsync(UserId userId, RoomId roomId, string tag, CancellationToken cancellationToken = default)
    {
        var tags = await GetTagsAsync(userId, roomId, cancellationToken);
        tags.Remove(tag);
        await SetAsync(userId, roomId, Tag, new JsonObject { ["tags"] = tags }, cancellationToken);
    }

    /// <summary>The users <paramref name="userId"/> ignores. spec: client-server "Ignoring Users".</summary>
    public async Task<IReadOnlySet<UserId>> GetIgnoredUsersAsync(UserId userId, CancellationToken cancellationToken = default)
    {
        var entry = await _database.AccountData.GetAsync(userId, null, IgnoredUserList, cancellationToken);
        var result = new HashSet<UserId>();
        if (entry is not null && JsonNode.Parse(entry.Content)?["ignored_users"] is JsonObject ignored)
        {
            foreach (var (key, _) in ignored)
            {
                if (UserId.TryParse(key, out var id))
                {
                    result.Add(id);
                }
            }
        }
        return result;
    }

    /// <summary>spec: <c>{"ignored_users": {"@user:server": {}}}</c>; a user cannot ignore themself.</summary>
    private static void ValidateIgnoredUserList(JsonObject content, UserId owner)
    {
        if (!content.TryGetPropertyValue("ignored_users", out var node) || node is null)
        {
            throw MatrixException.BadJson("'ignored_users' is required in m.ignored_user_list.");
        }
        if (node is not JsonObject ignored)
        {
            throw MatrixException.BadJson("'ignored_users' must be an object.");
        }
        foreach (var (key, value) in ignored)
        {
            if (!UserId.TryParse(key, out var id))
            {
                throw MatrixException.BadJson($"'{key}' in 'ignored_users' is not a user ID.");
            }
            if (id == owner)
            {
                throw MatrixException.BadJson("You cannot ignore yourself.");
            }
            if (value is not JsonObject)
            {
                throw MatrixException.BadJson($"The value for '{key}' in 'ignored_users' must be an object.");
            }
        }
    }
}
