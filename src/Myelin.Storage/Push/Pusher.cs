using Myelin.Protocol.Identifiers;

namespace Myelin.Storage.Push;

/// <summary>
/// A pusher as stored: one per (user, <see cref="AppId"/>, <see cref="Pushkey"/>). <see cref="Data"/> is the JSON
/// object given at <c>/pushers/set</c> (url included); <see cref="DeviceId"/> the device whose access token set it.
/// spec: client-server "POST /pushers/set".
/// </summary>
public sealed record Pusher
{
    public required UserId UserId { get; init; }
    public required string AppId { get; init; }
    public required string Pushkey { get; init; }
    /// <summary><c>http</c> (or <c>email</c>, which Myelin refuses).</summary>
    public required string Kind { get; init; }
    public DeviceId? DeviceId { get; init; }
    public required string AppDisplayName { get; init; }
    public required string DeviceDisplayName { get; init; }
    public string? ProfileTag { get; init; }
    public required string Lang { get; init; }
    /// <summary>The <c>data</c> object as JSON text.</summary>
    public required string Data { get; init; }
    /// <summary>When the pushkey was first set (ms since the epoch); kept when the pusher is updated.</summary>
    public long PushkeyTs { get; init; }
}
