using Myelin.Protocol.Identifiers;

namespace Myelin.Protocol.StateResolution;

/// <summary>State resolution could not run: an event it needs is not available.</summary>
public sealed class StateResolutionException : Exception
{
    public StateResolutionException(string message, EventId? missingEventId = null) : base(message) => MissingEventId = missingEventId;

    public StateResolutionException() : base("State resolution failed.") { }

    public StateResolutionException(string message) : base(message) { }

    public StateResolutionException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The event that <c>fetchEvent</c> could not provide, if that was the cause.</summary>
    public EventId? MissingEventId { get; }
}
