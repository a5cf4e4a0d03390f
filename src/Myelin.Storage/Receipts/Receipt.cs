using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Receipts;

/// <summary>
/// A receipt (<c>m.read</c>, <c>m.read.private</c>, ...): the user's latest per room, type and thread
/// (<see cref="ThreadId"/> null = unthreaded). spec: client-server "Receipts".
/// </summary>
public sealed record Receipt(RoomId RoomId, string ReceiptType, UserId UserId, string? ThreadId, EventId EventId, long Ts, StreamPosition StreamPosition);
