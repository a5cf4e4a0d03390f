using Myelin.Storage.Events;

namespace Myelin.Server.Timeline;

/// <summary>A page of visible events in pagination order; <see cref="End"/> is null when nothing more can be read.</summary>
public sealed record TimelinePage(IReadOnlyList<StoredEvent> Events, TopologicalToken? End);
