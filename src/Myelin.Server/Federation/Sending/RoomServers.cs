using System.Collections.Concurrent;
using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Rooms;

namespace Myelin.Server.Federation.Sending;

/// <summary>
/// The servers with at least one joined member in a room (ours included) that the room's <c>m.room.server_acl</c>
/// allows, from the room writer's current state: a denied server gets none of the room's traffic (they would refuse
/// it from us in turn; Dendrite and conduwuit do not send to ACL'd servers either).
/// Cached per room against the state snapshot it was computed from: the writer keeps the same snapshot until the
/// room's state changes, so message events cost a dictionary lookup and only state changes recount (in memory, no
/// member-list query).
/// </summary>
public sealed class RoomServers
{
    private readonly RoomEventWriter _writer;
    private readonly ConcurrentDictionary<RoomId, Entry> _cache = new();

    public RoomServers(RoomEventWriter writer) => _writer = writer;

    /// <param name="includeDenied">Also the servers the ACL denies: for the ACL event itself, so the servers it shuts
    /// out learn why.</param>
    public async ValueTask<IReadOnlySet<ServerName>> GetParticipatingServersAsync(RoomId roomId, CancellationToken cancellationToken,
        bool includeDenied = false)
    {
        var state = await _writer.GetCurrentStateAsync(roomId, cancellationToken);
        if (!_cache.TryGetValue(roomId, out var entry) || !ReferenceEquals(entry.State, state))
        {
            var acl = state.TryGetValue(new StateKey(EventTypes.ServerAcl, ""), out var aclEvent) ? ServerAcl.FromContent(aclEvent.Content) : null;
            var joined = new HashSet<ServerName>();
            foreach (var (key, member) in state)
            {
                if (key.Type == EventTypes.Member && MembershipOf(member) == Myelin.Protocol.Authorization.Membership.Join && UserId.TryParse(key.Key, out var user))
                {
                    joined.Add(user.Server);
                }
            }
            IReadOnlySet<ServerName> allowed = acl is null ? joined : joined.Where(acl.IsAllowed).ToHashSet();
            entry = new Entry(state, joined, allowed);
            _cache[roomId] = entry;
        }
        return includeDenied ? entry.Joined : entry.Allowed;
    }

    /// <summary>The <c>membership</c> of a member event's content, or null when it has none.</summary>
    public static string? MembershipOf(Pdu member) =>
        member.Content.ValueKind == JsonValueKind.Object && member.Content.TryGetProperty("membership", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()
            : null;

    private sealed record Entry(IReadOnlyDictionary<StateKey, Pdu> State, IReadOnlySet<ServerName> Joined, IReadOnlySet<ServerName> Allowed);
}
