using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Accounts;

/// <summary>Reports about users, kept for the server's administrators.</summary>
public interface IUserReportStore
{
    /// <summary>Stores a report; returns its ID.</summary>
    Task<long> AddAsync(UserId reporter, UserId target, string reason, long receivedTs, CancellationToken cancellationToken = default);

    /// <summary>The newest reports first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<UserReport>> ListAsync(int limit, CancellationToken cancellationToken = default);
}
