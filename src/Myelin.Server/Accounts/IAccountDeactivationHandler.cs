using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Accounts;

/// <summary>
/// Called after an account is deactivated (its tokens and devices are already gone), e.g. to make the user
/// leave every room. Register implementations in DI; every registered handler runs, in registration order.
/// spec: client-server "POST /account/deactivate".
/// </summary>
public interface IAccountDeactivationHandler
{
    Task OnAccountDeactivatedAsync(UserId userId, CancellationToken cancellationToken);
}
