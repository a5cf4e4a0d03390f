namespace Myelin.Protocol.Authorization;

/// <summary>
/// The outcome of checking an event against the authorization rules. A rejection names the rule clause of the
/// room version that rejected it (e.g. <c>rooms/v10 auth rule 4.3.3: sender is banned</c>) so the client API can
/// return it in an <c>M_FORBIDDEN</c> message and federation logs can say why an event was rejected.
/// </summary>
public sealed class AuthResult
{
    public static readonly AuthResult Allowed = new(true, null, null, null);

    private AuthResult(bool isAllowed, string? roomVersionId, string? rule, string? reason)
    {
        IsAllowed = isAllowed;
        RoomVersionId = roomVersionId;
        Rule = rule;
        Reason = reason;
    }

    public bool IsAllowed { get; }
    public bool IsRejected => !IsAllowed;
    /// <summary>The room version whose rule list <see cref="Rule"/> numbers into.</summary>
    public string? RoomVersionId { get; }
    /// <summary>The clause number in that room version's rule list, e.g. <c>4.3.3</c>; null when allowed.</summary>
    public string? Rule { get; }
    /// <summary>What was wrong, in words; null when allowed.</summary>
    public string? Reason { get; }

    /// <summary>The human-readable rejection, e.g. <c>rooms/v10 auth rule 4.3.3: sender is banned</c>.</summary>
    public string Message => IsAllowed ? "allowed" : $"rooms/v{RoomVersionId} auth rule {Rule}: {Reason}";

    public static AuthResult Reject(string roomVersionId, string rule, string reason) => new(false, roomVersionId, rule, reason);

    public override string ToString() => Message;
}
