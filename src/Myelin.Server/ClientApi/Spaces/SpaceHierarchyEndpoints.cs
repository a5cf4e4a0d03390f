using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Federation.Queries;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Spaces;

/// <summary>
/// GET /v1/rooms/{roomId}/hierarchy over the rooms this server has: a breadth-first walk of <c>m.space.child</c>
/// state, skipping rooms the user may not preview. spec: client-server "Spaces", space_hierarchy.yaml.
/// </summary>
public static class SpaceHierarchyEndpoints
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 200;
    private const int DefaultMaxDepth = 10;
    private const string SpaceChild = "m.space.child";

    public static IServiceCollection AddSpaces(this IServiceCollection services) => services.AddSingleton<RoomSummaries>();

    public static IEndpointRouteBuilder MapSpacesApi(this IEndpointRouteBuilder app)
    {
        app.MapV1("GET", "/rooms/{roomId}/hierarchy", GetHierarchyAsync);
        return app;
    }

    private static async Task<IResult> GetHierarchyAsync(string roomId, HttpRequest request, Requester requester, RoomSummaries summaries,
        RemoteRoomQueries remote, CancellationToken cancellationToken)
    {
        if (!RoomId.TryParse(roomId, out var root))
        {
            throw MatrixException.InvalidParam($"'{roomId}' is not a valid room ID.");
        }
        bool suggestedOnly = Boolean(request, "suggested_only");
        int limit = Integer(request, "limit", DefaultLimit, 1, MaxLimit);
        int maxDepth = Integer(request, "max_depth", DefaultMaxDepth, 0, DefaultMaxDepth);
        string? from = request.Query["from"];
        int skip = 0;
        if (!string.IsNullOrEmpty(from))
        {
            // The token records the walk's settings: spec "max_depth and suggested_only cannot be changed".
            var parts = from.Split('_');
            if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out skip)
                || parts[1] != maxDepth.ToString(CultureInfo.InvariantCulture) || parts[2] != (suggestedOnly ? "1" : "0"))
            {
                throw MatrixException.InvalidParam("'from' is not a valid token for these max_depth and suggested_only values.");
            }
        }

        var rootState = await summaries.GetStateAsync(root, cancellationToken);
        if (rootState is null)
        {
            return await RemoteHierarchyAsync(root, request, remote, suggestedOnly, limit, maxDepth, skip, cancellationToken);
        }
        if (!await summaries.CanPreviewAsync(requester.UserId, root, rootState, cancellationToken))
        {
            throw MatrixException.Forbidden("You are not allowed to view this room.");
        }

        // Walk in a fixed order so that offsets into it are stable between pages.
        var rooms = new JsonArray();
        var queue = new Queue<(RoomId Room, int Depth)>();
        var visited = new HashSet<RoomId> { root };
        queue.Enqueue((root, 0));
        int index = 0;
        bool more = false;
        while (queue.Count > 0)
        {
            var (room, depth) = queue.Dequeue();
            var state = room == root ? rootState : await summaries.GetStateAsync(room, cancellationToken);
            if (state is null || (room != root && !await summaries.CanPreviewAsync(requester.UserId, room, state, cancellationToken)))
            {
                continue;
            }
            var children = Children(state, suggestedOnly);
            if (depth < maxDepth)
            {
                foreach (var child in children)
                {
                    if (RoomId.TryParse(child.StateKey, out var childId) && visited.Add(childId))
                    {
                        queue.Enqueue((childId, depth + 1));
                    }
                }
            }
            if (index++ < skip)
            {
                continue;
            }
            if (rooms.Count == limit)
            {
                more = true;
                break;
            }
            var summary = await summaries.SummarizeAsync(room, state, cancellationToken);
            summary["children_state"] = new JsonArray([.. children.Select(StrippedChild)]);
            rooms.Add(summary);
        }
        var body = new JsonObject { ["rooms"] = rooms };
        if (more)
        {
            body["next_batch"] = string.Create(CultureInfo.InvariantCulture, $"{skip + limit}_{maxDepth}_{(suggestedOnly ? 1 : 0)}");
        }
        return MatrixResults.Json(body);
    }

    /// <summary>
    /// A space this server is not in: asked over federation of the servers in <c>via</c> (unspecced, as Synapse's
    /// MSC4235) and the room ID's server. spec: server-server "Spaces" — the remote answers for our server; it returns
    /// the space and its direct children, so the walk stops at depth 1.
    /// </summary>
    private static async Task<IResult> RemoteHierarchyAsync(RoomId root, HttpRequest request, RemoteRoomQueries remote, bool suggestedOnly,
        int limit, int maxDepth, int skip, CancellationToken cancellationToken)
    {
        var servers = new List<ServerName>();
        foreach (string? via in request.Query["via"])
        {
            if (ServerName.TryParse(via, out var server))
            {
                servers.Add(server);
            }
        }
        if (root.Server is { } own)
        {
            servers.Add(own);
        }
        var rooms = await remote.GetRemoteHierarchyAsync(root, servers, suggestedOnly, maxDepth, cancellationToken)
            ?? throw MatrixException.Forbidden("This room is not known here and no server in it could be asked.");
        var page = rooms.Skip(skip).Take(limit).ToList();
        var body = new JsonObject { ["rooms"] = new JsonArray([.. page]) };
        if (skip + page.Count < rooms.Count)
        {
            body["next_batch"] = string.Create(CultureInfo.InvariantCulture, $"{skip + limit}_{maxDepth}_{(suggestedOnly ? 1 : 0)}");
        }
        return MatrixResults.Json(body);
    }

    /// <summary>Valid children (content with a non-empty <c>via</c>), in the spec's order ("Ordering of children within a space").</summary>
    internal static List<Pdu> Children(IReadOnlyDictionary<StateKey, Pdu> state, bool suggestedOnly)
    {
        var children = state.Values.Where(e => e.Type == SpaceChild && e.StateKey is not null
            && e.Content.ValueKind == JsonValueKind.Object && e.Content.TryGetProperty("via", out var via) && via.ValueKind == JsonValueKind.Array && via.GetArrayLength() > 0
            // spec: via is "a list of servers"; Synapse refuses a whole hierarchy answer with any non-string in one.
            && via.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String))
            .Where(e => !suggestedOnly || (e.Content.TryGetProperty("suggested", out var s) && s.ValueKind == JsonValueKind.True))
            .ToList();
        return children
            .OrderBy(e => Order(e) is null ? 1 : 0)
            .ThenBy(e => Order(e), StringComparer.Ordinal)
            .ThenBy(e => e.OriginServerTs)
            .ThenBy(e => e.StateKey, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>spec: m.space.child "order": a string of at most 50 characters in \x20–\x7E; anything else is ignored.</summary>
    private static string? Order(Pdu child) =>
        child.Content.TryGetProperty("order", out var order) && order.ValueKind == JsonValueKind.String && order.GetString() is { Length: <= 50 } value
        && value.All(c => c >= '\x20' && c <= '\x7E') ? value : null;

    internal static JsonNode StrippedChild(Pdu child) => new JsonObject
    {
        ["type"] = child.Type,
        ["state_key"] = child.StateKey,
        ["content"] = JsonNode.Parse(child.Content.GetRawText()),
        ["sender"] = child.Sender.Value,
        ["origin_server_ts"] = child.OriginServerTs,
    };

    private static bool Boolean(HttpRequest request, string name) => (string?)request.Query[name] switch
    {
        null or "" or "false" => false,
        "true" => true,
        _ => throw MatrixException.InvalidParam($"'{name}' must be true or false."),
    };

    private static int Integer(HttpRequest request, string name, int fallback, int min, int max)
    {
        string? value = request.Query[name];
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed) || parsed < min)
        {
            throw MatrixException.InvalidParam($"'{name}' must be an integer of at least {min}.");
        }
        return (int)Math.Min(parsed, max);
    }
}
