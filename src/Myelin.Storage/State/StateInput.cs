using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.State;

/// <summary>
/// How the caller describes a room state it wants stored: an existing group, a delta on an existing
/// group (the cheap common case: only the changed keys are written), or a full map (e.g. the
/// result of state resolution when no good base group is at hand).
/// </summary>
public abstract record StateInput
{
    private StateInput()
    {
    }

    /// <summary>The empty state (before a room's create event).</summary>
    public static StateInput Empty { get; } = new Full(new Dictionary<StateKey, EventId>());

    /// <summary>Reuse an existing state group.</summary>
    public sealed record Existing(StateGroupId Group) : StateInput;

    /// <summary><paramref name="Previous"/> with <paramref name="Changes"/> applied; a null event ID removes the key.</summary>
    public sealed record Delta(StateGroupId Previous, IReadOnlyDictionary<StateKey, EventId?> Changes) : StateInput;

    /// <summary>A complete state map.</summary>
    public sealed record Full(IReadOnlyDictionary<StateKey, EventId> State) : StateInput;
}
