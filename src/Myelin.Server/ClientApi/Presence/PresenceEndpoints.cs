using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Authentication;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Server.Presence;
using Myelin.Storage;

namespace Myelin.Server.ClientApi.Presence;

/// <summary><c>GET/PUT /presence/{userId}/status</c>. spec: openapi presence.yaml, client-server "Presence".</summary>
public static class PresenceEndpoints
{
    /// <summary>Status messages longer than this are refused (Synapse's limit is similar).</summary>
    public const int MaxStatusMessageLength = 4096;

    public static IEndpointRouteBuilder MapPresenceApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("PUT", "/presence/{userId}/status", PutStatusAsync);
        app.MapV3("GET", "/presence/{userId}/status", GetStatusAsync);
        return app;
    }

    private static async Task<IResult> PutStatusAsync(HttpContext context, Requester requester, PresenceTracker presence, string userId)
    {
        var user = ParseUser(userId);
        if (user != requester.UserId)
        {
            throw MatrixException.Forbidden("You can only set your own presence.");
        }
        var body = await context.Request.ReadJsonElementAsync(context.RequestAborted);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("Request body must be a JSON object.");
        }
        if (!body.TryGetProperty("presence", out var value))
        {
            throw MatrixException.MissingParam("presence is required.");
        }
        if (value.ValueKind != JsonValueKind.String || !PresenceStates.IsValid(value.GetString()))
        {
            throw MatrixException.InvalidParam("presence must be online, offline or unavailable.");
        }
        string? statusMessage = null;
        bool hasStatus = body.TryGetProperty("status_msg", out var status);
        if (hasStatus && status.ValueKind != JsonValueKind.Null)
        {
            if (status.ValueKind != JsonValueKind.String)
            {
                throw MatrixException.BadJson("status_msg must be a string.");
            }
            statusMessage = status.GetString();
            if (statusMessage!.Length > MaxStatusMessageLength)
            {
                throw MatrixException.InvalidParam($"status_msg is longer than {MaxStatusMessageLength} characters.");
            }
        }
        // Disabled presence accepts and ignores updates, as Synapse does, so clients don't error.
        await presence.SetAsync(user, value.GetString()!, statusMessage, setStatusMessage: hasStatus);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> GetStatusAsync(HttpContext context, Requester requester, PresenceTracker presence, MyelinDatabase database,
        MyelinConfig config, TimeProvider time, string userId)
    {
        var user = ParseUser(userId);
        if (user.Server != config.ServerName || !await database.Users.ExistsAsync(user, context.RequestAborted))
        {
            throw MatrixException.NotFound("Unknown user.");
        }
        if (user != requester.UserId)
        {
            // spec: presence.yaml 403 "You are not allowed to see this user's presence status": only users sharing a room.
            var mine = await database.Memberships.GetRoomsForUserAsync(requester.UserId, Membership.Join, context.RequestAborted);
            var theirs = await database.Memberships.GetRoomsForUserAsync(user, Membership.Join, context.RequestAborted);
            if (!mine.Intersect(theirs).Any())
            {
                throw MatrixException.Forbidden("You do not share a room with this user.");
            }
        }
        var body = new JsonObject();
        var status = presence.Enabled ? presence.Get(user) : null;
        if (status is null)
        {
            body["presence"] = PresenceStates.Offline;
            return MatrixResults.Json(body);
        }
        body["presence"] = status.Presence;
        body["last_active_ago"] = Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - status.LastActiveTs);
        body["currently_active"] = status.CurrentlyActive;
        if (status.StatusMessage is not null)
        {
            body["status_msg"] = status.StatusMessage;
        }
        return MatrixResults.Json(body);
    }

    private static UserId ParseUser(string value) =>
        UserId.TryParse(value, out var user) ? user : throw MatrixException.InvalidParam($"'{value}' is not a valid user ID.");
}
