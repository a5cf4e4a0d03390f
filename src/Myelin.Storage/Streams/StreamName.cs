namespace Myelin.Storage.Streams;

/// <summary>The persisted streams whose positions make up a sync token. Typing and presence stay in memory.</summary>
public enum StreamName
{
    /// <summary>Room events (timeline and state); positions are the events' stream orderings.</summary>
    Events,
    AccountData,
    Receipts,
    ToDevice,
    DeviceLists,
}
