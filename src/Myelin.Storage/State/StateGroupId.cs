namespace Myelin.Storage.State;

/// <summary>Identifies an immutable set of room state (a row in <c>state_groups</c>).</summary>
public readonly record struct StateGroupId(long Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
