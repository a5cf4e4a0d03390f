namespace Myelin.Storage.State;

/// <summary>The state groups of a (non-outlier) event: the room state before it and after it.</summary>
public sealed record EventStateGroups(StateGroupId Before, StateGroupId After);
