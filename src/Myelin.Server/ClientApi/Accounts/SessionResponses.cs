using System.Text.Json.Nodes;
using Myelin.Server.Accounts;

namespace Myelin.Server.ClientApi.Accounts;

/// <summary>The JSON shape shared by <c>/register</c>, <c>/login</c> and <c>/refresh</c> responses.</summary>
internal static class SessionResponses
{
    public static JsonObject ToJson(LoginSession session, string homeServer)
    {
        var body = new JsonObject
        {
            ["user_id"] = session.UserId.Value,
            ["access_token"] = session.AccessToken,
            ["device_id"] = session.DeviceId.Value,
            // Deprecated in the spec but still read by older clients.
            ["home_server"] = homeServer,
        };
        if (session.RefreshToken is not null)
        {
            body["refresh_token"] = session.RefreshToken;
            body["expires_in_ms"] = session.ExpiresInMs;
        }
        return body;
    }
}
