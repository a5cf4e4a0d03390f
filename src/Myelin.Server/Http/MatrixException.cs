using System.Globalization;
using System.Text.Json.Nodes;

namespace Myelin.Server.Http;

/// <summary>
/// The one error type of the HTTP edge: thrown anywhere below an endpoint and turned into the spec's
/// standard error response <c>{"errcode", "error", ...}</c> by <see cref="MatrixErrorMiddleware"/>.
/// spec: client-server "Standard error response".
/// </summary>
public sealed class MatrixException : Exception
{
    private static readonly Dictionary<string, JsonNode?> NoExtra = [];

    public MatrixException(string errCode, string error, int statusCode, IReadOnlyDictionary<string, JsonNode?>? extra = null)
        : base(error)
    {
        ErrCode = errCode;
        StatusCode = statusCode;
        Extra = extra ?? NoExtra;
    }

    /// <summary>The spec's <c>errcode</c>, e.g. <c>M_FORBIDDEN</c>.</summary>
    public string ErrCode { get; }

    /// <summary>The HTTP status the spec assigns to this error on this endpoint.</summary>
    public int StatusCode { get; }

    /// <summary>Extra top-level fields of the error object, e.g. <c>retry_after_ms</c> or <c>soft_logout</c>.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Extra { get; }

    /// <summary>For <see cref="LimitExceeded"/>: how long the client should wait; sent as the <c>Retry-After</c> header.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    public static MatrixException Forbidden(string error = "Forbidden.") => new(MatrixErrorCodes.Forbidden, error, 403);

    public static MatrixException MissingToken(string error = "Missing access token.") => new(MatrixErrorCodes.MissingToken, error, 401);

    /// <summary>spec: client-server "Soft logout": <c>soft_logout: true</c> keeps the client's data.</summary>
    public static MatrixException UnknownToken(string error = "Unrecognised access token.", bool softLogout = false) =>
        new(MatrixErrorCodes.UnknownToken, error, 401, new Dictionary<string, JsonNode?> { ["soft_logout"] = softLogout });

    public static MatrixException BadJson(string error) => new(MatrixErrorCodes.BadJson, error, 400);

    public static MatrixException NotJson(string error = "Content not JSON.") => new(MatrixErrorCodes.NotJson, error, 400);

    public static MatrixException NotFound(string error = "Not found.") => new(MatrixErrorCodes.NotFound, error, 404);

    /// <summary>spec: client-server "Rate limiting": 429 with <c>retry_after_ms</c> and a <c>Retry-After</c> header.</summary>
    public static MatrixException LimitExceeded(TimeSpan retryAfter, string error = "Too many requests.")
    {
        long ms = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds));
        return new(MatrixErrorCodes.LimitExceeded, error, 429, new Dictionary<string, JsonNode?> { ["retry_after_ms"] = ms })
        {
            RetryAfter = TimeSpan.FromMilliseconds(ms),
        };
    }

    /// <summary>spec: "M_UNRECOGNIZED" — 404 when the endpoint is not implemented.</summary>
    public static MatrixException UnrecognizedEndpoint(string error = "Unrecognized request.") => new(MatrixErrorCodes.Unrecognized, error, 404);

    /// <summary>spec: "M_UNRECOGNIZED" — 405 when the endpoint exists but not for this method.</summary>
    public static MatrixException UnrecognizedMethod(string error = "Method not allowed.") => new(MatrixErrorCodes.Unrecognized, error, 405);

    /// <summary>An unknown error; 500 unless the caller knows the request itself was at fault.</summary>
    public static MatrixException Unknown(string error = "Internal server error.", int statusCode = 500) => new(MatrixErrorCodes.Unknown, error, statusCode);

    public static MatrixException TooLarge(string error = "Request body too large.") => new(MatrixErrorCodes.TooLarge, error, 413);

    public static MatrixException InvalidParam(string error) => new(MatrixErrorCodes.InvalidParam, error, 400);

    public static MatrixException MissingParam(string error) => new(MatrixErrorCodes.MissingParam, error, 400);

    public static MatrixException UserInUse(string error = "User ID already taken.") => new(MatrixErrorCodes.UserInUse, error, 400);

    public static MatrixException InvalidUsername(string error = "User ID is not valid.") => new(MatrixErrorCodes.InvalidUsername, error, 400);

    public static MatrixException RoomInUse(string error = "Room alias already taken.") => new(MatrixErrorCodes.RoomInUse, error, 400);

    public static MatrixException Exclusive(string error = "This resource is reserved by an application service.") => new(MatrixErrorCodes.Exclusive, error, 400);

    public static MatrixException UserDeactivated(string error = "This account has been deactivated.") => new(MatrixErrorCodes.UserDeactivated, error, 403);

    /// <summary>spec: client-server "Account locking": 401 with <c>soft_logout: true</c>.</summary>
    public static MatrixException UserLocked(string error = "This account has been locked.") =>
        new(MatrixErrorCodes.UserLocked, error, 401, new Dictionary<string, JsonNode?> { ["soft_logout"] = true });

    public static MatrixException UserSuspended(string error = "This account has been suspended.") => new(MatrixErrorCodes.UserSuspended, error, 403);

    public static MatrixException GuestAccessForbidden(string error = "Guest access is not allowed.") => new(MatrixErrorCodes.GuestAccessForbidden, error, 403);

    public static MatrixException UnsupportedRoomVersion(string error = "This server does not support that room version.") =>
        new(MatrixErrorCodes.UnsupportedRoomVersion, error, 400);

    /// <summary>spec: "M_INCOMPATIBLE_ROOM_VERSION" carries the room's <c>room_version</c>.</summary>
    public static MatrixException IncompatibleRoomVersion(string roomVersion, string? error = null) =>
        new(MatrixErrorCodes.IncompatibleRoomVersion,
            error ?? string.Create(CultureInfo.InvariantCulture, $"Your homeserver does not support the features required to interact with this room (version {roomVersion})."),
            400, new Dictionary<string, JsonNode?> { ["room_version"] = roomVersion });

    public static MatrixException BadState(string error) => new(MatrixErrorCodes.BadState, error, 400);

    public static MatrixException InvalidRoomState(string error) => new(MatrixErrorCodes.InvalidRoomState, error, 400);

    public static MatrixException Unauthorized(string error = "Unauthorized.") => new(MatrixErrorCodes.Unauthorized, error, 401);

    public static MatrixException WeakPassword(string error = "Password is too weak.") => new(MatrixErrorCodes.WeakPassword, error, 400);

    public static MatrixException ServerNotTrusted(string error = "Untrusted server.") => new(MatrixErrorCodes.ServerNotTrusted, error, 403);

    public static MatrixException ThreepidInUse(string error = "Third-party identifier already in use.") => new(MatrixErrorCodes.ThreepidInUse, error, 400);

    public static MatrixException ThreepidNotFound(string error = "Third-party identifier not found.") => new(MatrixErrorCodes.ThreepidNotFound, error, 400);

    public static MatrixException ThreepidDenied(string error = "Third-party identifier is not allowed.") => new(MatrixErrorCodes.ThreepidDenied, error, 403);

    public static MatrixException ThreepidMediumNotSupported(string error = "Third-party identifier medium not supported.") =>
        new(MatrixErrorCodes.ThreepidMediumNotSupported, error, 400);

    public static MatrixException ThreepidAuthFailed(string error = "Third-party identifier authentication failed.") =>
        new(MatrixErrorCodes.ThreepidAuthFailed, error, 401);

    /// <summary>spec: "M_RESOURCE_LIMIT_EXCEEDED" MUST carry <c>admin_contact</c>.</summary>
    public static MatrixException ResourceLimitExceeded(string adminContact, string error = "This server has exceeded a resource limit.") =>
        new(MatrixErrorCodes.ResourceLimitExceeded, error, 403, new Dictionary<string, JsonNode?> { ["admin_contact"] = adminContact });

    /// <summary>spec: "M_USER_LIMIT_EXCEEDED" MUST carry <c>info_uri</c>; <c>can_upgrade</c> is optional.</summary>
    public static MatrixException UserLimitExceeded(string infoUri, string error, int statusCode = 403, bool canUpgrade = false) =>
        new(MatrixErrorCodes.UserLimitExceeded, error, statusCode,
            new Dictionary<string, JsonNode?> { ["info_uri"] = infoUri, ["can_upgrade"] = canUpgrade });

    public static MatrixException CannotLeaveServerNoticeRoom(string error = "You cannot reject this invite.") =>
        new(MatrixErrorCodes.CannotLeaveServerNoticeRoom, error, 403);
}
