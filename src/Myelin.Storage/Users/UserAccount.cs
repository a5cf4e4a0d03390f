using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Users;

/// <summary>A local account as stored. <see cref="PasswordHash"/> is null for accounts that cannot log in with a password.</summary>
public sealed record UserAccount(
    UserId UserId,
    string? PasswordHash,
    bool IsAdmin,
    bool IsGuest,
    long CreatedTs,
    bool IsDeactivated,
    bool IsLocked,
    bool IsSuspended,
    string? UserType);
