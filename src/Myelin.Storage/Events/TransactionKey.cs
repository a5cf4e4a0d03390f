using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Events;

/// <summary>
/// A client transaction ID, scoped to the device that sent it.
/// spec: client-server "Transaction identifiers".
/// </summary>
public readonly record struct TransactionKey(UserId UserId, DeviceId DeviceId, string TransactionId);
