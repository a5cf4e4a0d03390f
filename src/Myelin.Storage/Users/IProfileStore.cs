using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Users;

/// <summary>Display names and avatars of local users. Setters return false for an unknown user.</summary>
public interface IProfileStore
{
    /// <summary>The profile, or null when the user is unknown.</summary>
    Task<Profile?> GetAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Sets (or with null, removes) the display name.</summary>
    Task<bool> SetDisplayNameAsync(UserId userId, string? displayName, CancellationToken cancellationToken = default);

    /// <summary>Sets (or with null, removes) the avatar URL (an <c>mxc://</c> URI).</summary>
    Task<bool> SetAvatarUrlAsync(UserId userId, string? avatarUrl, CancellationToken cancellationToken = default);
}
