using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.ClientApi.Spaces;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Visibility;

namespace Myelin.Server.FederationApi;

/// <summary>
/// <c>GET /_matrix/federation/v1/hierarchy/{roomId}?suggested_only=</c>: a space and its direct children, for another
/// server to build its client's <c>/hierarchy</c>. Not paginated; children the origin could not peek or join are
/// listed in <c>inaccessible_children</c>, children we do not have are left out. spec: server-server "Spaces";
/// space_hierarchy.yaml.
/// </summary>
public static class HierarchyEndpoint
{
    public static RouteGroupBuilder MapFederationHierarchyApi(this RouteGroupBuilder federation)
    {
        federation.MapGet("/v1/hierarchy/{roomId}", GetAsync).WithName("FederationHierarchy");
        return federation;
    }

    private static async Task<IResult> GetAsync(string roomId, HttpRequest request, FederationOrigin origin, RoomSummaries summaries,
        ServerEventVisibility visibility, CancellationToken cancellationToken)
    {
        var root = FederationRequestFields.PathRoomId(roomId);
        bool suggestedOnly = (string?)request.Query["suggested_only"] switch
        {
            null or "" or "false" => false,
            "true" => true,
            var other => throw MatrixException.InvalidParam($"'suggested_only' must be true or false, not '{other}'."),
        };
        var rootState = await summaries.GetStateAsync(root, cancellationToken);
        // spec: 404 "The room is not known to the server or the requesting server is unable to peek/join it".
        if (rootState is null || !await IsAccessibleAsync(rootState, origin.ServerName, visibility, cancellationToken))
        {
            throw MatrixException.NotFound("The room is not known or not accessible to your server.");
        }
        var children = SpaceHierarchyEndpoints.Children(rootState, suggestedOnly);
        var room = await summaries.SummarizeAsync(root, rootState, cancellationToken);
        room["children_state"] = new JsonArray([.. children.Select(SpaceHierarchyEndpoints.StrippedChild)]);

        var accessible = new JsonArray();
        var inaccessible = new JsonArray();
        var seen = new HashSet<RoomId> { root };
        foreach (var child in children)
        {
            if (!RoomId.TryParse(child.StateKey, out var childId) || !seen.Add(childId))
            {
                continue;
            }
            var state = await summaries.GetStateAsync(childId, cancellationToken);
            if (state is null)
            {
                continue; // spec: rooms we cannot provide details on are left out
            }
            if (!await IsAccessibleAsync(state, origin.ServerName, visibility, cancellationToken))
            {
                inaccessible.Add(childId.Value);
                continue;
            }
            var summary = await summaries.SummarizeAsync(childId, state, cancellationToken);
            // Its own m.space.child events, so the asking server can walk deeper (Synapse sends them too).
            summary["children_state"] = new JsonArray([.. SpaceHierarchyEndpoints.Children(state, suggestedOnly).Select(SpaceHierarchyEndpoints.StrippedChild)]);
            accessible.Add(summary);
        }
        return MatrixResults.Json(new JsonObject
        {
            ["room"] = room,
            ["children"] = accessible,
            ["inaccessible_children"] = inaccessible,
        });
    }

    /// <summary>
    /// Whether <paramref name="server"/>'s users could peek or join the room: a public or knock join rule, world-readable
    /// history, one of its users joined or invited, or a restricted room whose allowed rooms have a member of it.
    /// </summary>
    internal static async Task<bool> IsAccessibleAsync(IReadOnlyDictionary<StateKey, Pdu> state, ServerName server, ServerEventVisibility visibility, CancellationToken cancellationToken)
    {
        string joinRule = RoomSummaries.ReadString(state, EventTypes.JoinRules, "join_rule") ?? JoinRules.Invite;
        if (joinRule is JoinRules.Public or JoinRules.Knock or JoinRules.KnockRestricted
            || HistoryVisibilityValues.Normalize(RoomSummaries.ReadString(state, EventTypes.HistoryVisibility, "history_visibility")) == HistoryVisibilityValues.WorldReadable)
        {
            return true;
        }
        foreach (var (key, member) in state)
        {
            if (key.Type == EventTypes.Member && UserId.TryParse(key.Key, out var user) && user.Server == server
                && member.Content.ValueKind == JsonValueKind.Object && member.Content.TryGetProperty("membership", out var m)
                && m.ValueKind == JsonValueKind.String && m.GetString() is Membership.Join or Membership.Invite)
            {
                return true;
            }
        }
        if (joinRule == JoinRules.Restricted && state.TryGetValue(new StateKey(EventTypes.JoinRules, ""), out var rules)
            && rules.Content.ValueKind == JsonValueKind.Object && rules.Content.TryGetProperty("allow", out var allow) && allow.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in allow.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("room_id", out var id) && id.ValueKind == JsonValueKind.String
                    && RoomId.TryParse(id.GetString(), out var allowed) && await visibility.IsServerJoinedAsync(allowed, server, cancellationToken))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
