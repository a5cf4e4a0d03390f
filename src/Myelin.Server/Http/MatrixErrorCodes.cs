namespace Myelin.Server.Http;

/// <summary>
/// The spec's error codes. spec: client-server "Common error codes" and "Other error codes".
/// </summary>
public static class MatrixErrorCodes
{
    public const string BadJson = "M_BAD_JSON";
    public const string Forbidden = "M_FORBIDDEN";
    public const string LimitExceeded = "M_LIMIT_EXCEEDED";
    public const string MissingToken = "M_MISSING_TOKEN";
    public const string NotFound = "M_NOT_FOUND";
    public const string NotJson = "M_NOT_JSON";
    public const string ResourceLimitExceeded = "M_RESOURCE_LIMIT_EXCEEDED";
    public const string Unknown = "M_UNKNOWN";
    public const string UnknownDevice = "M_UNKNOWN_DEVICE";
    public const string UnknownToken = "M_UNKNOWN_TOKEN";
    public const string Unrecognized = "M_UNRECOGNIZED";
    public const string UserLimitExceeded = "M_USER_LIMIT_EXCEEDED";
    public const string UserLocked = "M_USER_LOCKED";
    public const string UserSuspended = "M_USER_SUSPENDED";

    public const string BadState = "M_BAD_STATE";
    public const string CannotLeaveServerNoticeRoom = "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM";
    public const string CaptchaInvalid = "M_CAPTCHA_INVALID";
    public const string CaptchaNeeded = "M_CAPTCHA_NEEDED";
    public const string Exclusive = "M_EXCLUSIVE";
    public const string GuestAccessForbidden = "M_GUEST_ACCESS_FORBIDDEN";
    public const string IncompatibleRoomVersion = "M_INCOMPATIBLE_ROOM_VERSION";
    public const string InvalidParam = "M_INVALID_PARAM";
    public const string InvalidRoomState = "M_INVALID_ROOM_STATE";
    public const string InvalidUsername = "M_INVALID_USERNAME";
    public const string MissingParam = "M_MISSING_PARAM";
    public const string RoomInUse = "M_ROOM_IN_USE";
    public const string ServerNotTrusted = "M_SERVER_NOT_TRUSTED";
    public const string ThreepidAuthFailed = "M_THREEPID_AUTH_FAILED";
    public const string ThreepidDenied = "M_THREEPID_DENIED";
    public const string ThreepidInUse = "M_THREEPID_IN_USE";
    public const string ThreepidMediumNotSupported = "M_THREEPID_MEDIUM_NOT_SUPPORTED";
    public const string ThreepidNotFound = "M_THREEPID_NOT_FOUND";
    public const string TooLarge = "M_TOO_LARGE";
    public const string Unauthorized = "M_UNAUTHORIZED";
    public const string UnsupportedRoomVersion = "M_UNSUPPORTED_ROOM_VERSION";
    public const string UnableToAuthoriseJoin = "M_UNABLE_TO_AUTHORISE_JOIN";
    public const string UnableToGrantJoin = "M_UNABLE_TO_GRANT_JOIN";
    public const string UserDeactivated = "M_USER_DEACTIVATED";
    public const string UserInUse = "M_USER_IN_USE";
    public const string WeakPassword = "M_WEAK_PASSWORD";
}
