namespace Myelin.Storage.Streams;

/// <summary>A position in one stream: every change gets a larger one; 0 is "before everything".</summary>
public readonly record struct StreamPosition(long Value) : IComparable<StreamPosition>
{
    public static readonly StreamPosition Zero = new(0);

    public int CompareTo(StreamPosition other) => Value.CompareTo(other.Value);

    public static bool operator <(StreamPosition left, StreamPosition right) => left.Value < right.Value;
    public static bool operator >(StreamPosition left, StreamPosition right) => left.Value > right.Value;
    public static bool operator <=(StreamPosition left, StreamPosition right) => left.Value <= right.Value;
    public static bool operator >=(StreamPosition left, StreamPosition right) => left.Value >= right.Value;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
