using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Myelin.Server.Authentication;

/// <summary>
/// Which client endpoints guest accounts may call. spec: client-server modules/guest_access.md "Client behaviour"
/// lists reading, sending, account maintenance and key endpoints; the few extra ones marked below are what
/// Synapse also allows, because clients cannot run a guest session without them.
/// </summary>
public static partial class GuestAccess
{
    private static readonly FrozenSet<string> Allowed = new[]
    {
        // spec: retrieving events and media
        "GET /rooms/{}/state", "GET /rooms/{}/context/{}", "GET /rooms/{}/event/{}", "GET /rooms/{}/state/{}/{}",
        "GET /rooms/{}/messages", "GET /rooms/{}/members", "GET /rooms/{}/initialSync", "GET /sync", "GET /events",
        "GET /media/download/{}/{}", "GET /media/download/{}/{}/{}", "GET /media/thumbnail/{}/{}",
        // spec: sending events
        "POST /rooms/{}/join", "POST /join/{}", "POST /rooms/{}/leave", "PUT /rooms/{}/send/{}/{}", "PUT /rooms/{}/state/{}/{}",
        "PUT /sendToDevice/{}/{}",
        // spec: account maintenance (the profile handler itself limits guests to their display name)
        "PUT /profile/{}/{}", "DELETE /profile/{}/{}", "GET /devices", "GET /devices/{}", "PUT /devices/{}", "GET /account/whoami",
        // spec: end-to-end encryption
        "POST /keys/upload", "POST /keys/query", "POST /keys/claim",
        // Synapse also allows these; without them a client cannot sync, log out or upgrade the guest account.
        "POST /user/{}/filter", "GET /user/{}/filter/{}", "GET /pushrules/", "GET /capabilities", "POST /logout", "POST /register",
        "PUT /rooms/{}/typing/{}", "POST /rooms/{}/receipt/{}/{}", "POST /rooms/{}/read_markers", "GET /presence/{}/status",
        "PUT /presence/{}/status", "GET /voip/turnServer", "GET /events/{}",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Whether a guest may call the endpoint this request was routed to.</summary>
    public static bool IsAllowed(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint { RoutePattern.RawText: { } pattern })
        {
            return false;
        }
        string path = pattern;
        foreach (string prefix in (string[])["/_matrix/client/v3", "/_matrix/client/r0", "/_matrix/client/v1"])
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                path = path[prefix.Length..];
                break;
            }
        }
        string normalized = Placeholder().Replace(path, "{}").TrimEnd('/');
        string key = $"{context.Request.Method} {normalized}";
        return Allowed.Contains(key) || Allowed.Contains(key + "/");
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Placeholder();
}
