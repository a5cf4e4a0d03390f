namespace Myelin.Server.Configuration;

/// <summary>
/// TURN servers handed to clients by <c>GET /voip/turnServer</c> (Synapse's keys of the same names): either a shared
/// secret for time-limited credentials (the TURN REST API, as coturn's <c>use-auth-secret</c>) or a static username/password.
/// </summary>
public sealed record TurnConfig
{
    /// <summary><c>turn_uris</c>: e.g. <c>turn:turn.example.org:3478?transport=udp</c>. Empty: no TURN server.</summary>
    public IReadOnlyList<string> Uris { get; init; } = [];

    /// <summary><c>turn_shared_secret</c>: credentials are <c>{expiry}:{user_id}</c> and base64(HMAC-SHA1(secret, username)).</summary>
    public string? SharedSecret { get; init; }

    /// <summary><c>turn_username</c> / <c>turn_password</c>: static credentials, used when no shared secret is set.</summary>
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary><c>turn_user_lifetime</c>: how long credentials stay valid (the <c>ttl</c>). Default 1h.</summary>
    public TimeSpan UserLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary><c>turn_allow_guests</c>: whether guests get credentials too. Default true.</summary>
    public bool AllowGuests { get; init; } = true;
}
