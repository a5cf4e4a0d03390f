using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Memberships;

/// <summary>
/// A user's membership of a room (<c>join</c>, <c>invite</c>, <c>leave</c>, <c>ban</c>, <c>knock</c>)
/// from the current state, with the member event and the events-stream position at which it became current.
/// </summary>
public sealed record MembershipRecord(RoomId RoomId, UserId UserId, string Membership, EventId EventId, StreamPosition StreamPosition);
