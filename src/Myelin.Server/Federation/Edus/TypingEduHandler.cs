using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Ephemeral;

namespace Myelin.Server.Federation.Edus;

/// <summary>
/// <c>m.typing</c> from another server: a user of that server started or stopped typing in a room we share.
/// spec: server-server "Typing Notifications" (the user must be in the room and belong to the sending server), "Server ACLs".
/// </summary>
public sealed partial class TypingEduHandler : IEduHandler
{
    /// <summary>
    /// How long a remote user shows as typing without a new EDU: the sender repeats or stops it (Synapse re-sends
    /// every 40 s and expires remote typing after 60 s).
    /// </summary>
    public static readonly TimeSpan RemoteTimeout = TimeSpan.FromSeconds(60);

    private readonly TypingTracker _typing;
    private readonly EduRoomChecks _checks;
    private readonly ILogger<TypingEduHandler> _logger;

    public TypingEduHandler(TypingTracker typing, EduRoomChecks checks, ILogger<TypingEduHandler> logger)
    {
        _typing = typing;
        _checks = checks;
        _logger = logger;
    }

    public string EduType => EduTypes.Typing;

    public async Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken)
    {
        if (content.ValueKind != JsonValueKind.Object
            || !content.TryGetProperty("room_id", out var roomValue) || roomValue.ValueKind != JsonValueKind.String || !RoomId.TryParse(roomValue.GetString(), out var room)
            || !content.TryGetProperty("user_id", out var userValue) || userValue.ValueKind != JsonValueKind.String || !UserId.TryParse(userValue.GetString(), out var user)
            || !content.TryGetProperty("typing", out var typing) || typing.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            LogIgnored(_logger, origin.Value, "malformed content");
            return;
        }
        if (user.Server != origin)
        {
            LogIgnored(_logger, origin.Value, $"{user} is not a user of the sending server");
            return;
        }
        if (!await _checks.IsAllowedByAclAsync(room, origin, cancellationToken))
        {
            LogIgnored(_logger, origin.Value, $"the server ACL of {room} denies it");
            return;
        }
        if (!await _checks.IsJoinedAsync(room, user, cancellationToken))
        {
            LogIgnored(_logger, origin.Value, $"{user} is not joined to {room}");
            return;
        }
        _typing.SetTyping(room, user, typing.ValueKind == JsonValueKind.True, RemoteTimeout);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored m.typing from {Origin}: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string origin, string reason);
}
