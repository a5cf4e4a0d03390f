using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Http;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.ToDevice;

namespace Myelin.Server.E2ee;

/// <summary>PUT /sendToDevice: queues messages in local devices' inboxes. spec: client-server "Send-to-Device messaging".</summary>
public sealed partial class SendToDeviceService(MyelinDatabase database, MyelinConfig config, Notifier notifier, ILogger<SendToDeviceService> logger)
{
    public async Task SendAsync(UserId sender, DeviceId senderDevice, string eventType, string transactionId, JsonObject body, CancellationToken cancellationToken)
    {
        if (body["messages"] is not JsonObject messages)
        {
            throw body.ContainsKey("messages") ? MatrixException.BadJson("'messages' must be an object.") : MatrixException.MissingParam("'messages' is required.");
        }
        var outgoing = new List<OutgoingToDeviceMessage>();
        var remoteServers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (userText, devicesNode) in messages)
        {
            if (!UserId.TryParse(userText, out var recipient))
            {
                throw MatrixException.InvalidParam($"'{userText}' in 'messages' is not a user ID.");
            }
            if (devicesNode is not JsonObject devices || devices.Any(d => d.Value is not JsonObject))
            {
                throw MatrixException.BadJson($"'messages.{userText}' must be an object of device ID to message content object.");
            }
            if (recipient.Server != config.ServerName)
            {
                remoteServers.Add(recipient.Server.Value);
                continue;
            }
            var existing = await database.Devices.ListAsync(recipient, cancellationToken);
            foreach (var (deviceText, content) in devices)
            {
                string json = content!.ToJsonString();
                // spec: "The device ID may also be *, meaning all known devices for the user."
                var targets = deviceText == "*"
                    ? existing.Select(d => d.DeviceId)
                    : existing.Where(d => d.DeviceId.Value == deviceText).Select(d => d.DeviceId);
                outgoing.AddRange(targets.Select(device => new OutgoingToDeviceMessage(recipient, device, sender, eventType, json)));
            }
        }
        foreach (string server in remoteServers)
        {
            LogRemoteDropped(sender, server, eventType);
        }
        var position = await database.ToDeviceTransactions.SendOnceAsync(sender, senderDevice, transactionId, outgoing, cancellationToken);
        if (position is not null)
        {
            notifier.NotifyUsers(outgoing.Select(m => m.Recipient).Distinct());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "To-device message {Type} from {Sender} to users on {Server} dropped: federation of to-device messages is not implemented yet.")]
    private partial void LogRemoteDropped(UserId sender, string server, string type);
}
