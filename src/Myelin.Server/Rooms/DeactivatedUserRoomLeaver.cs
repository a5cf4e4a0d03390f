using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Accounts;
using Myelin.Server.Http;

namespace Myelin.Server.Rooms;

/// <summary>
/// When an account is deactivated, leaves every room it is joined to and rejects its pending invites and knocks.
/// spec: client-server "POST /account/deactivate" ("the server ... makes the user leave all rooms").
/// </summary>
public sealed partial class DeactivatedUserRoomLeaver : IAccountDeactivationHandler
{
    private readonly RoomMembership _membership;
    private readonly RoomEvents _events;
    private readonly ILogger<DeactivatedUserRoomLeaver> _logger;

    public DeactivatedUserRoomLeaver(RoomMembership membership, RoomEvents events, ILogger<DeactivatedUserRoomLeaver> logger)
    {
        _membership = membership;
        _events = events;
        _logger = logger;
    }

    public async Task OnAccountDeactivatedAsync(UserId userId, CancellationToken cancellationToken)
    {
        foreach (var record in await _events.Database.Memberships.GetMembershipsForUserAsync(userId, cancellationToken))
        {
            if (record.Membership is not (Membership.Join or Membership.Invite or Membership.Knock))
            {
                continue;
            }
            try
            {
                await _membership.LeaveAsync(userId, record.RoomId, reason: null, cancellationToken);
            }
            catch (MatrixException e)
            {
                LogLeaveFailed(_logger, userId.Value, record.RoomId.Value, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deactivated user {UserId} could not leave {RoomId}: {Reason}")]
    private static partial void LogLeaveFailed(ILogger logger, string userId, string roomId, string reason);
}
