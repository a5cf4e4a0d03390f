using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Server.Profiles;
using Myelin.Storage.Users;

namespace Myelin.Server.Rooms;

/// <summary>
/// After a display name or avatar change, sends an updated <c>m.room.member</c> join event into every room the user
/// is joined to (keeping the event's other keys), so other members see the new profile.
/// spec: client-server "Events on Change of Profile Information".
/// </summary>
public sealed partial class MemberProfileUpdater : IProfileChangeHandler
{
    private readonly RoomEventWriter _writer;
    private readonly RoomEvents _events;
    private readonly ILogger<MemberProfileUpdater> _logger;

    public MemberProfileUpdater(RoomEventWriter writer, RoomEvents events, ILogger<MemberProfileUpdater> logger)
    {
        _writer = writer;
        _events = events;
        _logger = logger;
    }

    public async Task OnProfileChangedAsync(UserId userId, Profile profile, CancellationToken cancellationToken)
    {
        foreach (var roomId in await _events.Database.Memberships.GetRoomsForUserAsync(userId, Membership.Join, cancellationToken))
        {
            var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
            if (!state.TryGetValue(new StateKey(EventTypes.Member, userId.Value), out var current) || current.Content.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            var content = JsonNode.Parse(current.Content.GetRawText())!.AsObject();
            // A join's reason belongs to that join, not to the profile update.
            content.Remove("reason");
            bool changed = Set(content, "displayname", profile.DisplayName) | Set(content, "avatar_url", profile.AvatarUrl);
            if (!changed)
            {
                continue;
            }
            content["membership"] = Membership.Join;
            try
            {
                await _writer.SendAsync(new NewEvent(roomId, userId, EventTypes.Member, JsonElement.Parse(content.ToJsonString())) { StateKey = userId.Value }, cancellationToken);
            }
            catch (MatrixException e)
            {
                // One room refusing (e.g. a restrictive policy) must not stop the others or fail the profile change.
                LogUpdateRefused(_logger, roomId.Value, userId.Value, e.Message);
            }
        }
    }

    private static bool Set(JsonObject content, string key, string? value)
    {
        string? current = content[key]?.GetValueKind() == JsonValueKind.String ? content[key]!.GetValue<string>() : null;
        if (current == value && (value is not null || !content.ContainsKey(key)))
        {
            return false;
        }
        if (value is null)
        {
            content.Remove(key);
        }
        else
        {
            content[key] = value;
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {RoomId} refused the profile update of {UserId}: {Reason}")]
    private static partial void LogUpdateRefused(ILogger logger, string roomId, string userId, string reason);
}
