using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Client;
using Myelin.Server.Http;

namespace Myelin.Server.Federation.Queries;

/// <summary>
/// Questions our clients ask about other servers' rooms, forwarded over federation: another server's published room
/// directory (client <c>/publicRooms?server=</c>) and a space's hierarchy we do not have (client <c>/hierarchy</c>).
/// spec: server-server "Published Room Directory", "Spaces".
/// </summary>
public sealed class RemoteRoomQueries
{
    private readonly FederationClient _client;

    public RemoteRoomQueries(FederationClient client) => _client = client;

    /// <summary><c>GET /_matrix/federation/v1/publicRooms</c> on <paramref name="server"/>.</summary>
    public async Task<JsonNode> GetPublicRoomsAsync(ServerName server, int? limit, string? since, bool includeAllNetworks, string? thirdPartyInstanceId,
        CancellationToken cancellationToken)
    {
        var query = new StringBuilder("/_matrix/federation/v1/publicRooms");
        char separator = '?';
        void Add(string name, string value)
        {
            query.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        if (limit is { } l)
        {
            Add("limit", l.ToString(CultureInfo.InvariantCulture));
        }
        if (since is not null)
        {
            Add("since", since);
        }
        if (includeAllNetworks)
        {
            Add("include_all_networks", "true");
        }
        if (thirdPartyInstanceId is not null)
        {
            Add("third_party_instance_id", thirdPartyInstanceId);
        }
        return await ForwardAsync(server, () => _client.GetAsync(server, query.ToString(), cancellationToken));
    }

    /// <summary><c>POST /_matrix/federation/v1/publicRooms</c> on <paramref name="server"/> with the client's (validated) search.</summary>
    public Task<JsonNode> SearchPublicRoomsAsync(ServerName server, JsonObject body, CancellationToken cancellationToken) =>
        ForwardAsync(server, () => _client.PostAsync(server, "/_matrix/federation/v1/publicRooms", JsonSerializer.SerializeToElement(body), cancellationToken));

    /// <summary><c>GET /_matrix/federation/v1/hierarchy/{roomId}</c> on <paramref name="server"/>.</summary>
    public Task<JsonNode> GetHierarchyAsync(ServerName server, RoomId roomId, bool suggestedOnly, CancellationToken cancellationToken) =>
        ForwardAsync(server, () => _client.GetAsync(server,
            $"/_matrix/federation/v1/hierarchy/{Uri.EscapeDataString(roomId.Value)}?suggested_only={(suggestedOnly ? "true" : "false")}", cancellationToken));

    /// <summary>
    /// A space we do not have, from the first of <paramref name="servers"/> that answers: the space (with its
    /// <c>children_state</c>) followed by the children that server says we may peek or join — depth 0 and 1 of the
    /// client's walk (only the space when <paramref name="maxDepth"/> is 0). Null when no server answered; a remote
    /// 404 (unknown or inaccessible) is the last answer's error when every server refused.
    /// </summary>
    public async Task<List<JsonObject>?> GetRemoteHierarchyAsync(RoomId root, IReadOnlyList<ServerName> servers, bool suggestedOnly, int maxDepth,
        CancellationToken cancellationToken)
    {
        MatrixException? last = null;
        foreach (var server in servers.Distinct())
        {
            JsonNode answer;
            try
            {
                answer = await GetHierarchyAsync(server, root, suggestedOnly, cancellationToken);
            }
            catch (MatrixException e)
            {
                last = e;
                continue;
            }
            if (answer["room"] is not JsonObject room || room["room_id"]?.GetValueKind() != JsonValueKind.String
                || room["room_id"]!.GetValue<string>() != root.Value)
            {
                last = MatrixException.Unknown($"{server} answered a hierarchy without the requested room.", 502);
                continue;
            }
            var rooms = new List<JsonObject> { (JsonObject)room.DeepClone() };
            if (maxDepth > 0 && answer["children"] is JsonArray children)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal) { root.Value };
                foreach (var child in children)
                {
                    if (child is JsonObject summary && summary["room_id"]?.GetValueKind() == JsonValueKind.String
                        && RoomId.TryParse(summary["room_id"]!.GetValue<string>(), out var childId) && seen.Add(childId.Value))
                    {
                        var copy = (JsonObject)summary.DeepClone();
                        // spec: client "children_state" is required on every room of the hierarchy.
                        copy["children_state"] ??= new JsonArray();
                        rooms.Add(copy);
                    }
                }
            }
            return rooms;
        }
        if (last is not null && last.StatusCode != 502)
        {
            throw last;
        }
        return null;
    }

    /// <summary>
    /// The remote answer as a JSON tree; a remote Matrix error is passed on with its status and errcode (so a remote
    /// 404 stays a 404), a server we cannot reach or that answers nonsense is 502 <c>M_UNKNOWN</c>.
    /// </summary>
    private static async Task<JsonNode> ForwardAsync(ServerName server, Func<Task<JsonElement>> request)
    {
        try
        {
            var answer = await request();
            return JsonNode.Parse(answer.GetRawText())!;
        }
        catch (FederationRequestException e) when (e.StatusCode is >= 400 and < 500 && e.Errcode is not null)
        {
            throw new MatrixException(e.Errcode, $"{server} answered: {e.Message}", e.StatusCode.Value);
        }
        catch (FederationRequestException e)
        {
            throw MatrixException.Unknown($"Could not get an answer from {server}: {e.Message}", 502);
        }
    }
}
