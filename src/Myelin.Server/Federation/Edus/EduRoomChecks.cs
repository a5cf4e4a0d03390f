using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Acl;
using Myelin.Server.Rooms;

namespace Myelin.Server.Federation.Edus;

/// <summary>The checks a room-scoped EDU (typing, receipts) passes before it changes anything.</summary>
public sealed class EduRoomChecks
{
    private readonly RoomEvents _events;
    private readonly RoomServerAclCheck _acl;

    public EduRoomChecks(RoomEvents events, RoomServerAclCheck acl)
    {
        _events = events;
        _acl = acl;
    }

    /// <summary>spec: server-server "Typing Notifications": "verify that the user is in the room".</summary>
    public async Task<bool> IsJoinedAsync(RoomId room, UserId user, CancellationToken cancellationToken) =>
        (await _events.Database.Memberships.GetMembershipAsync(room, user, cancellationToken))?.Membership == Protocol.Authorization.Membership.Join;

    /// <summary>spec: server-server "Server Access Control Lists (ACLs)": typing and receipts of a denied server are ignored.</summary>
    public Task<bool> IsAllowedByAclAsync(RoomId room, ServerName origin, CancellationToken cancellationToken) =>
        _acl.IsAllowedAsync(room, origin, cancellationToken);
}
