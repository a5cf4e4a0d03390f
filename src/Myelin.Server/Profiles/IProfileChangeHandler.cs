using Myelin.Protocol.Identifiers;
using Myelin.Storage.Users;

namespace Myelin.Server.Profiles;

/// <summary>
/// Called after a user's display name or avatar changed, e.g. to send updated <c>m.room.member</c> events into
/// every room they are joined to. Register implementations in DI; all registered handlers run.
/// spec: client-server "Events on Change of Profile Information".
/// </summary>
public interface IProfileChangeHandler
{
    Task OnProfileChangedAsync(UserId userId, Profile profile, CancellationToken cancellationToken);
}
