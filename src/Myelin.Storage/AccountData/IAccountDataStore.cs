using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.AccountData;

/// <summary>Per-user account data, global or per room, on the account-data stream. spec: client-server "Client Config".</summary>
public interface IAccountDataStore
{
    /// <summary>Sets the content (JSON object text) for the type, globally when <paramref name="roomId"/> is null; returns its new position.</summary>
    Task<StreamPosition> SetAsync(UserId userId, RoomId? roomId, string type, string content, CancellationToken cancellationToken = default);

    Task<AccountDataEntry?> GetAsync(UserId userId, RoomId? roomId, string type, CancellationToken cancellationToken = default);

    /// <summary>All the user's account data (global and per room).</summary>
    Task<IReadOnlyList<AccountDataEntry>> GetAllAsync(UserId userId, CancellationToken cancellationToken = default);

    /// <summary>Entries changed after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<AccountDataEntry>> GetChangedSinceAsync(UserId userId, StreamPosition since, CancellationToken cancellationToken = default);
}
