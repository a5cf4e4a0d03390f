namespace Myelin.Server.Http;

/// <summary>What is being rate limited; each has its own bucket settings in <c>rate_limiting</c>.</summary>
public enum RateLimitAction
{
    /// <summary><c>rc_message</c>: sending events, per user.</summary>
    Message,

    /// <summary><c>rc_login</c>: login attempts, per address and per account.</summary>
    Login,

    /// <summary><c>rc_registration</c>: registrations, per address.</summary>
    Registration,

    /// <summary><c>rc_media_create</c>: media uploads and async upload slots, per user.</summary>
    MediaCreate,
}
