using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Presence;
using Myelin.Storage;

namespace Myelin.Server.Federation.Edus;

/// <summary>
/// <c>m.presence</c> from another server: presence updates of its users. Each update is checked on its own: the user
/// must belong to the sending server and share a room with us (no one else's presence is kept), the fields must have
/// the schema's types. spec: server-server "Presence".
/// </summary>
public sealed partial class PresenceEduHandler : IEduHandler
{
    private readonly PresenceTracker _presence;
    private readonly MyelinDatabase _database;
    private readonly ILogger<PresenceEduHandler> _logger;

    public PresenceEduHandler(PresenceTracker presence, MyelinDatabase database, ILogger<PresenceEduHandler> logger)
    {
        _presence = presence;
        _database = database;
        _logger = logger;
    }

    public string EduType => EduTypes.Presence;

    public async Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken)
    {
        if (!_presence.Enabled)
        {
            return;
        }
        if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty("push", out var push) || push.ValueKind != JsonValueKind.Array)
        {
            LogIgnored(_logger, origin.Value, "content has no push array");
            return;
        }
        foreach (var update in push.EnumerateArray())
        {
            if (update.ValueKind != JsonValueKind.Object
                || !update.TryGetProperty("user_id", out var userValue) || userValue.ValueKind != JsonValueKind.String || !UserId.TryParse(userValue.GetString(), out var user)
                || !update.TryGetProperty("presence", out var presenceValue) || presenceValue.ValueKind != JsonValueKind.String
                || !PresenceStates.IsValid(presenceValue.GetString())
                // Optional: Synapse leaves it out for a user who was never active.
                || update.TryGetProperty("last_active_ago", out var agoValue) && (!agoValue.TryGetInt64(out long ago) || ago < 0)
                || update.TryGetProperty("status_msg", out var message) && message.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)
                || update.TryGetProperty("currently_active", out var active) && active.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                LogIgnored(_logger, origin.Value, "malformed presence update");
                continue;
            }
            if (user.Server != origin)
            {
                LogIgnored(_logger, origin.Value, $"{user} is not a user of the sending server");
                continue;
            }
            // spec: "Servers should only send presence updates for users that the receiving server would be interested in".
            if ((await _database.Memberships.GetRoomsForUserAsync(user, Myelin.Protocol.Authorization.Membership.Join, cancellationToken)).Count == 0)
            {
                LogIgnored(_logger, origin.Value, $"{user} shares no room with us");
                continue;
            }
            string? statusMessage = update.TryGetProperty("status_msg", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            bool currentlyActive = update.TryGetProperty("currently_active", out var a) && a.ValueKind == JsonValueKind.True;
            long? lastActiveAgo = update.TryGetProperty("last_active_ago", out var known) ? known.GetInt64() : null;
            await _presence.SetRemoteAsync(user, presenceValue.GetString()!, statusMessage, lastActiveAgo, currentlyActive);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored (part of) m.presence from {Origin}: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string origin, string reason);
}
