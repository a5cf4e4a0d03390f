using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Users;

/// <summary>What registration stores for a new account.</summary>
public sealed record NewUser(UserId UserId, string? PasswordHash, long CreatedTs)
{
    public bool IsAdmin { get; init; }
    public bool IsGuest { get; init; }
    /// <summary>Synapse's <c>user_type</c> (e.g. <c>bot</c>, <c>support</c>); null for a normal user.</summary>
    public string? UserType { get; init; }
    /// <summary>The initial display name (the spec's default is the localpart).</summary>
    public string? DisplayName { get; init; }
}
