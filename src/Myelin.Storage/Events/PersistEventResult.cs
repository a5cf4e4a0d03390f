using Myelin.Protocol.Identifiers;
using Myelin.Storage.State;
using Myelin.Storage.Streams;

namespace Myelin.Storage.Events;

/// <summary>
/// The outcome of persisting an event. <see cref="Deduplicated"/> is true when nothing was written
/// because the event ID, or the client transaction ID, was already stored; then <see cref="EventId"/>
/// is the earlier event's ID.
/// </summary>
public sealed record PersistEventResult(
    EventId EventId,
    StreamPosition StreamPosition,
    bool Deduplicated,
    EventStateGroups? StateGroups);
