using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Filters;

/// <summary>Sync filters uploaded by clients. spec: client-server "POST /user/{userId}/filter".</summary>
public interface IFilterStore
{
    /// <summary>Stores the filter JSON and returns its ID (per user: 0, 1, 2, ...).</summary>
    Task<long> AddAsync(UserId userId, string filterJson, CancellationToken cancellationToken = default);

    /// <summary>The filter JSON, or null if the user has no filter with that ID.</summary>
    Task<string?> GetAsync(UserId userId, long filterId, CancellationToken cancellationToken = default);
}
