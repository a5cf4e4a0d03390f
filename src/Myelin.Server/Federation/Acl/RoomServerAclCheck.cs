using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.Federation.Acl;

/// <summary>
/// Applies a room's current <c>m.room.server_acl</c> to a remote server's request about that room.
/// spec: server-server "Server Access Control Lists (ACLs)": the protected endpoints (make_join … get_missing_events,
/// state, state_ids, backfill, event_auth) MUST answer 403 <c>M_FORBIDDEN</c> to a denied server.
/// </summary>
public sealed class RoomServerAclCheck
{
    private readonly RoomEvents _events;

    public RoomServerAclCheck(RoomEvents events) => _events = events;

    /// <summary>Whether <paramref name="server"/> may take part in the room (no ACL event, or its rules allow the server).</summary>
    public async Task<bool> IsAllowedAsync(RoomId roomId, ServerName server, CancellationToken cancellationToken = default)
    {
        var aclEventId = await _events.Database.State.GetCurrentStateEventIdAsync(roomId, new StateKey(EventTypes.ServerAcl, ""), cancellationToken);
        if (aclEventId is null)
        {
            return true; // rule 1: no ACL event, everyone is allowed
        }
        var acl = await _events.GetPduAsync(aclEventId.Value, cancellationToken);
        return acl is null || ServerAcl.FromContent(acl.Content).IsAllowed(server);
    }

    /// <summary>Throws 403 <c>M_FORBIDDEN</c> when the room's ACL denies <paramref name="origin"/>.</summary>
    public async Task EnsureAllowedAsync(RoomId roomId, ServerName origin, CancellationToken cancellationToken = default)
    {
        if (!await IsAllowedAsync(roomId, origin, cancellationToken))
        {
            throw MatrixException.Forbidden($"Server {origin} is denied by the room's server ACL.");
        }
    }
}
