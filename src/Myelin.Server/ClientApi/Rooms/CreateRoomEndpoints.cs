using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.ClientApi.Rooms;

/// <summary><c>POST /createRoom</c>. spec: client-server "Creation", openapi create_room.yaml.</summary>
public static class CreateRoomEndpoints
{
    public static IEndpointRouteBuilder MapCreateRoomApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/createRoom", CreateRoomAsync);
        return app;
    }

    private static async Task<IResult> CreateRoomAsync(HttpContext context, Requester requester, RoomCreator creator, RateLimiter rateLimiter)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var options = Parse(body);
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        var roomId = await creator.CreateAsync(requester.UserId, options, context.RequestAborted);
        return MatrixResults.Json(new JsonObject { ["room_id"] = roomId.Value });
    }

    /// <summary>Validates every field's type and value; the errors name the field.</summary>
    internal static RoomCreationOptions Parse(JsonObject body)
    {
        string? visibility = body.OptionalString("visibility");
        if (visibility is not (null or "public" or "private"))
        {
            throw MatrixException.InvalidParam($"'visibility' must be 'public' or 'private', not '{visibility}'.");
        }
        string? preset = body.OptionalString("preset");
        if (preset is not null && !RoomPresets.IsKnown(preset))
        {
            throw MatrixException.InvalidParam($"'preset' must be private_chat, trusted_private_chat or public_chat, not '{preset}'.");
        }
        // spec: without a preset, visibility decides: public → public_chat, private → private_chat.
        preset ??= visibility == "public" ? RoomPresets.PublicChat : RoomPresets.PrivateChat;

        var version = KnownRoomVersions.Default;
        if (body.OptionalString("room_version") is { } versionId && !KnownRoomVersions.TryGet(versionId, out version))
        {
            throw MatrixException.UnsupportedRoomVersion($"This server does not support room version '{versionId}'.");
        }

        var invite = new List<UserId>();
        foreach (string value in body.OptionalStringArray("invite") ?? [])
        {
            invite.Add(RequestFields.ParseUserId(value, "invite"));
        }
        if (body.OptionalArray("invite_3pid") is { Count: > 0 })
        {
            // spec: third-party invites need an identity server lookup; Myelin does not talk to identity servers.
            throw MatrixException.Forbidden("Third-party invites (invite_3pid) are not supported: this server does not use an identity server.");
        }

        var initialState = new List<InitialStateEvent>();
        foreach (var item in body.OptionalArray("initial_state") ?? [])
        {
            if (item is not JsonObject entry)
            {
                throw MatrixException.BadJson("Each 'initial_state' entry must be an object.");
            }
            string type = entry.OptionalString("type") ?? throw MatrixException.BadJson("Each 'initial_state' entry needs a string 'type'.");
            string stateKey = entry.OptionalString("state_key") ?? "";
            var content = entry.OptionalObject("content") ?? throw MatrixException.BadJson("Each 'initial_state' entry needs an object 'content'.");
            initialState.Add(new InitialStateEvent(type, stateKey, (JsonObject)content.DeepClone()));
        }

        return new RoomCreationOptions
        {
            Version = version,
            Preset = preset,
            Publish = visibility == "public",
            AliasLocalpart = body.OptionalString("room_alias_name"),
            Name = body.OptionalString("name"),
            Topic = body.OptionalString("topic"),
            Invite = invite,
            IsDirect = body.OptionalBool("is_direct") ?? false,
            InitialState = initialState,
            PowerLevelContentOverride = body.OptionalObject("power_level_content_override"),
            CreationContent = body.OptionalObject("creation_content"),
        };
    }
}
