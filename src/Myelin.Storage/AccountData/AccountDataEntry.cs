using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.AccountData;

/// <summary>One account data item: global when <see cref="RoomId"/> is null. <see cref="Content"/> is the JSON object text.</summary>
public sealed record AccountDataEntry(UserId UserId, RoomId? RoomId, string Type, string Content, StreamPosition StreamPosition);
