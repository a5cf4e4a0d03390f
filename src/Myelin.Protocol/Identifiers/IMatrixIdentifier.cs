using System.Diagnostics.CodeAnalysis;

namespace Myelin.Protocol.Identifiers;

/// <summary>
/// A validated Matrix identifier backed by its string form. Lets one JSON converter
/// (<see cref="MatrixIdentifierJsonConverter{T}"/>) serve every identifier type.
/// </summary>
public interface IMatrixIdentifier<TSelf> where TSelf : struct, IMatrixIdentifier<TSelf>
{
    /// <summary>The identifier as it appears on the wire.</summary>
    string Value { get; }

    /// <summary>What the identifier is called in error messages, e.g. "user ID".</summary>
    static abstract string Kind { get; }

    static abstract bool TryParse([NotNullWhen(true)] string? value, out TSelf id);
}
