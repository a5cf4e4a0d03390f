using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Voip;

/// <summary>GET /voip/turnServer: TURN credentials for calls. spec: client-server "Voice over IP", "TURN Server"; voip.yaml.</summary>
public static class TurnServerEndpoints
{
    public static IEndpointRouteBuilder MapVoipApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("GET", "/voip/turnServer", GetTurnServer);
        return app;
    }

    private static IResult GetTurnServer(Requester requester, MyelinConfig config, TimeProvider time)
    {
        var turn = config.Turn;
        // As Synapse: without a TURN server (or credentials for it) the answer is an empty object, not an error.
        if (turn.Uris.Count == 0)
        {
            return MatrixResults.EmptyObject();
        }
        if (requester.IsGuest && !turn.AllowGuests)
        {
            throw MatrixException.Forbidden("Guests may not use this server's TURN servers.");
        }
        string username;
        string password;
        if (!string.IsNullOrEmpty(turn.SharedSecret))
        {
            username = CreateUsername(time.GetUtcNow() + turn.UserLifetime, requester.UserId.Value);
            password = CreatePassword(turn.SharedSecret, username);
        }
        else if (!string.IsNullOrEmpty(turn.Username) && turn.Password is not null)
        {
            (username, password) = (turn.Username, turn.Password);
        }
        else
        {
            return MatrixResults.EmptyObject();
        }
        return MatrixResults.Json(new JsonObject
        {
            ["username"] = username,
            ["password"] = password,
            ["uris"] = new JsonArray([.. turn.Uris.Select(u => (JsonNode?)u)]),
            ["ttl"] = (long)turn.UserLifetime.TotalSeconds,
        });
    }

    /// <summary>TURN REST API (draft-uberti-behave-turn-rest): the username is the expiry (Unix seconds), a colon, and the user.</summary>
    public static string CreateUsername(DateTimeOffset expiry, string userId) =>
        string.Create(CultureInfo.InvariantCulture, $"{expiry.ToUnixTimeSeconds()}:{userId}");

    /// <summary>TURN REST API: the password is base64(HMAC-SHA1(shared secret, username)), which the TURN server recomputes.</summary>
    public static string CreatePassword(string sharedSecret, string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(sharedSecret), Encoding.UTF8.GetBytes(username)));
}
