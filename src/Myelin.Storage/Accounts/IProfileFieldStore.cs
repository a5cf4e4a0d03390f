using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Accounts;

/// <summary>
/// Profile fields other than <c>displayname</c> and <c>avatar_url</c> (those live in <see cref="Users.IProfileStore"/>):
/// <c>m.tz</c> and custom namespaced keys, each stored as its JSON value text.
/// spec: client-server "Profiles" (v1.16 custom profile fields).
/// </summary>
public interface IProfileFieldStore
{
    /// <summary>All extra fields of the user (field name → JSON text), ordered by name.</summary>
    Task<IReadOnlyList<KeyValuePair<string, string>>> GetAllAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>One field's JSON text, or null when unset.</summary>
    Task<string?> GetAsync(UserId userId, string field, CancellationToken cancellationToken = default);

    /// <summary>Sets a field to a JSON value; false if the user does not exist.</summary>
    Task<bool> SetAsync(UserId userId, string field, string json, CancellationToken cancellationToken = default);

    /// <summary>Removes a field; false if it was not set.</summary>
    Task<bool> DeleteAsync(UserId userId, string field, CancellationToken cancellationToken = default);
}
