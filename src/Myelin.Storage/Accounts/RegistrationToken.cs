namespace Myelin.Storage.Accounts;

/// <summary>
/// A token that lets someone register when <c>registration_requires_token</c> is on (Synapse's model):
/// <see cref="UsesAllowed"/> null is unlimited; <see cref="Pending"/> counts registrations that passed the
/// token stage but have not finished; <see cref="ExpiryTime"/> is in ms since the epoch, null for never.
/// spec: client-server "Token-authenticated registration".
/// </summary>
public sealed record RegistrationToken(string Token, int? UsesAllowed, int Pending, int Completed, long? ExpiryTime)
{
    /// <summary>Whether another registration may start with this token at <paramref name="nowTs"/>.</summary>
    public bool IsValidAt(long nowTs) =>
        (ExpiryTime is null || ExpiryTime > nowTs) && (UsesAllowed is null || Pending + Completed < UsesAllowed);
}
