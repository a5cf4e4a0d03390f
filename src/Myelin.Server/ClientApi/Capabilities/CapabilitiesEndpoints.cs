using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Authentication;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Capabilities;

/// <summary>What clients may do on this server. spec: client-server "Capabilities negotiation".</summary>
public static class CapabilitiesEndpoints
{
    public static IEndpointRouteBuilder MapCapabilitiesApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/capabilities", GetCapabilities);
        return app;
    }

    private static IResult GetCapabilities(Requester requester)
    {
        _ = requester;
        var versions = new JsonObject();
        foreach (var version in KnownRoomVersions.All.Keys.OrderBy(v => int.TryParse(v, out int n) ? n : int.MaxValue).ThenBy(v => v, StringComparer.Ordinal))
        {
            versions[version] = "stable";
        }
        return MatrixResults.Json(new JsonObject
        {
            ["capabilities"] = new JsonObject
            {
                ["m.change_password"] = new JsonObject { ["enabled"] = true },
                ["m.room_versions"] = new JsonObject { ["default"] = KnownRoomVersions.Default.Id, ["available"] = versions },
                ["m.set_displayname"] = new JsonObject { ["enabled"] = true },
                ["m.set_avatar_url"] = new JsonObject { ["enabled"] = true },
                // spec: this server cannot verify third-party identifiers, so clients must not offer to change them.
                ["m.3pid_changes"] = new JsonObject { ["enabled"] = false },
                ["m.get_login_token"] = new JsonObject { ["enabled"] = true },
                ["m.profile_fields"] = new JsonObject { ["enabled"] = true },
            },
        });
    }
}
