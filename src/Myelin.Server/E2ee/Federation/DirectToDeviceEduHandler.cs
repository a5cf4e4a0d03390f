using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.ToDevice;

namespace Myelin.Server.E2ee.Federation;

/// <summary>
/// Inbound <c>m.direct_to_device</c>: the messages are queued for the named local devices (<c>*</c> = all of the
/// user's devices), once per origin and <c>message_id</c>; the sender must be a user of the origin.
/// spec: server-server "Send-to-device messaging".
/// </summary>
public sealed partial class DirectToDeviceEduHandler(MyelinDatabase database, MyelinConfig config, Notifier notifier, TimeProvider time,
    ILogger<DirectToDeviceEduHandler> logger) : IEduHandler
{
    /// <summary>How long a message ID is remembered: longer than a sender retries a transaction.</summary>
    public static readonly TimeSpan MessageIdRetention = TimeSpan.FromDays(7);

    public string EduType => EduTypes.DirectToDevice;

    public async Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken)
    {
        if (content.ValueKind != JsonValueKind.Object
            || !TryGetString(content, "sender", out string? senderText) || !UserId.TryParse(senderText, out var sender)
            || !TryGetString(content, "type", out string? type) || type.Length == 0
            || !TryGetString(content, "message_id", out string? messageId) || messageId.Length == 0
            || !content.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Object)
        {
            LogIgnored(origin, "it lacks sender, type, message_id or messages");
            return;
        }
        if (sender.Server != origin)
        {
            LogIgnored(origin, $"the sender {sender} is not a user of the origin");
            return;
        }
        var outgoing = new List<OutgoingToDeviceMessage>();
        foreach (var recipientEntry in messages.EnumerateObject())
        {
            // Only our own users' devices: anything else in the EDU is not ours to deliver.
            if (!UserId.TryParse(recipientEntry.Name, out var recipient) || recipient.Server != config.ServerName
                || recipientEntry.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            var devices = await database.Devices.ListAsync(recipient, cancellationToken);
            foreach (var deviceEntry in recipientEntry.Value.EnumerateObject())
            {
                if (deviceEntry.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                string json = deviceEntry.Value.GetRawText();
                // spec: "The device ID may also be *, meaning all known devices for the user."
                outgoing.AddRange(devices.Where(d => deviceEntry.Name == "*" || d.DeviceId.Value == deviceEntry.Name)
                    .Select(d => new OutgoingToDeviceMessage(recipient, d.DeviceId, sender, type, json)));
            }
        }
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var position = await database.InboundToDevice.DeliverOnceAsync(origin, messageId, outgoing, now,
            now - (long)MessageIdRetention.TotalMilliseconds, cancellationToken);
        if (position is null)
        {
            LogDuplicate(origin, messageId);
            return;
        }
        notifier.NotifyUsers(outgoing.Select(m => m.Recipient).Distinct());
    }

    private static bool TryGetString(JsonElement content, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = content.TryGetProperty(name, out var node) && node.ValueKind == JsonValueKind.String ? node.GetString() : null;
        return value is not null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored m.direct_to_device from {Origin}: {Problem}.")]
    private partial void LogIgnored(ServerName origin, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "m.direct_to_device {MessageId} from {Origin} was already delivered.")]
    private partial void LogDuplicate(ServerName origin, string messageId);
}
