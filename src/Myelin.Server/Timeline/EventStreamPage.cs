using Myelin.Server.Streams;
using Myelin.Storage.Events;

namespace Myelin.Server.Timeline;

/// <summary>One answer of the event stream: events oldest first, after <see cref="Start"/>, continuing at <see cref="End"/>.</summary>
public sealed record EventStreamPage(IReadOnlyList<StoredEvent> Events, SyncToken Start, SyncToken End);
