namespace Myelin.Storage.Events;

/// <summary>
/// A page of events. <see cref="Limited"/> says more events matched than were returned;
/// <see cref="Next"/> continues a topological pagination (null when there is nothing more).
/// </summary>
public sealed record EventChunk(IReadOnlyList<StoredEvent> Events, bool Limited, TopologicalToken? Next = null);
