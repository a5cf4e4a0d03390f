using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Rooms;

/// <summary>A local room alias: where it points and who made it (who may delete it).</summary>
public sealed record RoomAliasRecord(RoomAlias Alias, RoomId RoomId, UserId Creator, long CreatedTs);
