using Myelin.Protocol.Identifiers;
using Myelin.Storage.Streams;

namespace Myelin.Storage.ToDevice;

/// <summary>A send-to-device message waiting in a device's inbox. <see cref="Content"/> is JSON object text.</summary>
public sealed record ToDeviceMessage(UserId Sender, string Type, string Content, StreamPosition StreamPosition);

/// <summary>One message to deliver: to a recipient device, from a sender.</summary>
public sealed record OutgoingToDeviceMessage(UserId Recipient, DeviceId RecipientDevice, UserId Sender, string Type, string Content);
