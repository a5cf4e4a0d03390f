using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.E2ee;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.KeyBackup;

/// <summary>/room_keys/version and /room_keys/keys. spec: client-server "Server-side key backups" (openapi key_backup.yaml).</summary>
public static class KeyBackupEndpoints
{
    public static IEndpointRouteBuilder MapKeyBackupApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/room_keys/version", CreateVersionAsync);
        app.MapV3("GET", "/room_keys/version", (HttpContext context, Requester requester, RoomKeyBackupService backups) => GetVersionAsync(null, context, requester, backups));
        app.MapV3("GET", "/room_keys/version/{version}", GetVersionAsync);
        app.MapV3("PUT", "/room_keys/version/{version}", UpdateVersionAsync);
        app.MapV3("DELETE", "/room_keys/version/{version}", DeleteVersionAsync);

        app.MapV3("PUT", "/room_keys/keys", (HttpContext c, Requester r, RoomKeyBackupService b) => PutKeysAsync(null, null, c, r, b));
        app.MapV3("PUT", "/room_keys/keys/{roomId}", (string roomId, HttpContext c, Requester r, RoomKeyBackupService b) => PutKeysAsync(roomId, null, c, r, b));
        app.MapV3("PUT", "/room_keys/keys/{roomId}/{sessionId}", PutKeysAsync);
        app.MapV3("GET", "/room_keys/keys", (HttpContext c, Requester r, RoomKeyBackupService b) => GetKeysAsync(null, null, c, r, b));
        app.MapV3("GET", "/room_keys/keys/{roomId}", (string roomId, HttpContext c, Requester r, RoomKeyBackupService b) => GetKeysAsync(roomId, null, c, r, b));
        app.MapV3("GET", "/room_keys/keys/{roomId}/{sessionId}", GetKeysAsync);
        app.MapV3("DELETE", "/room_keys/keys", (HttpContext c, Requester r, RoomKeyBackupService b) => DeleteKeysAsync(null, null, c, r, b));
        app.MapV3("DELETE", "/room_keys/keys/{roomId}", (string roomId, HttpContext c, Requester r, RoomKeyBackupService b) => DeleteKeysAsync(roomId, null, c, r, b));
        app.MapV3("DELETE", "/room_keys/keys/{roomId}/{sessionId}", DeleteKeysAsync);
        return app;
    }

    private static async Task<IResult> CreateVersionAsync(HttpContext context, Requester requester, RoomKeyBackupService backups)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string version = await backups.CreateVersionAsync(requester.UserId, body, context.RequestAborted);
        return MatrixResults.Json(new System.Text.Json.Nodes.JsonObject { ["version"] = version });
    }

    private static async Task<IResult> GetVersionAsync(string? version, HttpContext context, Requester requester, RoomKeyBackupService backups) =>
        MatrixResults.Json(await backups.GetVersionAsync(requester.UserId, version, context.RequestAborted));

    private static async Task<IResult> UpdateVersionAsync(string version, HttpContext context, Requester requester, RoomKeyBackupService backups)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        await backups.UpdateVersionAsync(requester.UserId, version, body, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> DeleteVersionAsync(string version, HttpContext context, Requester requester, RoomKeyBackupService backups)
    {
        await backups.DeleteVersionAsync(requester.UserId, version, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> PutKeysAsync(string? roomId, string? sessionId, HttpContext context, Requester requester, RoomKeyBackupService backups)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        return MatrixResults.Json(await backups.PutKeysAsync(requester.UserId, context.Request.Query["version"], roomId, sessionId, body, context.RequestAborted));
    }

    private static async Task<IResult> GetKeysAsync(string? roomId, string? sessionId, HttpContext context, Requester requester, RoomKeyBackupService backups) =>
        MatrixResults.Json(await backups.GetKeysAsync(requester.UserId, context.Request.Query["version"], roomId, sessionId, context.RequestAborted));

    private static async Task<IResult> DeleteKeysAsync(string? roomId, string? sessionId, HttpContext context, Requester requester, RoomKeyBackupService backups) =>
        MatrixResults.Json(await backups.DeleteKeysAsync(requester.UserId, context.Request.Query["version"], roomId, sessionId, context.RequestAborted));
}
