using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Federation.Sending;
using Myelin.Server.Http;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.ToDevice;

namespace Myelin.Server.E2ee;

/// <summary>
/// PUT /sendToDevice: queues messages in local devices' inboxes and sends those for other servers' users as one
/// <c>m.direct_to_device</c> EDU per server. spec: client-server "Send-to-Device messaging"; server-server
/// "Send-to-device messaging".
/// </summary>
public sealed class SendToDeviceService(MyelinDatabase database, MyelinConfig config, Notifier notifier, IFederationSender federation)
{
    public async Task SendAsync(UserId sender, DeviceId senderDevice, string eventType, string transactionId, JsonObject body, CancellationToken cancellationToken)
    {
        if (body["messages"] is not JsonObject messages)
        {
            throw body.ContainsKey("messages") ? MatrixException.BadJson("'messages' must be an object.") : MatrixException.MissingParam("'messages' is required.");
        }
        var outgoing = new List<OutgoingToDeviceMessage>();
        var remote = new Dictionary<ServerName, JsonObject>();
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
                var forServer = remote.TryGetValue(recipient.Server, out var existingMessages) ? existingMessages : remote[recipient.Server] = new JsonObject();
                forServer[userText] = devices.DeepClone();
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
        if (remote.Count > 0)
        {
            await SendRemoteAsync(sender, senderDevice, eventType, transactionId, remote, cancellationToken);
        }
        var position = await database.ToDeviceTransactions.SendOnceAsync(sender, senderDevice, transactionId, outgoing, cancellationToken);
        if (position is not null)
        {
            notifier.NotifyUsers(outgoing.Select(m => m.Recipient).Distinct());
        }
    }

    /// <summary>
    /// Queues one durable <c>m.direct_to_device</c> EDU per server. They are queued before the transaction is recorded,
    /// and the message ID is derived from the sender's device, transaction and destination: a retried request sends
    /// the same IDs again, which receivers deliver once.
    /// </summary>
    private async Task SendRemoteAsync(UserId sender, DeviceId senderDevice, string eventType, string transactionId,
        Dictionary<ServerName, JsonObject> remote, CancellationToken cancellationToken)
    {
        foreach (var (server, messages) in remote)
        {
            var content = new JsonObject
            {
                ["sender"] = sender.Value,
                ["type"] = eventType,
                ["message_id"] = MessageId(sender, senderDevice, transactionId, server),
                ["messages"] = messages,
            };
            await federation.SendDurableEduAsync(server, EduTypes.DirectToDevice, JsonSerializer.SerializeToElement(content), cancellationToken);
        }
    }

    /// <summary>spec: message_id — "Unique ID for the message, used for idempotence ... of maximum length 32 codepoints".</summary>
    private static string MessageId(UserId sender, DeviceId senderDevice, string transactionId, ServerName destination)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{sender.Value}\n{senderDevice.Value}\n{transactionId}\n{destination.Value}"));
        return Base64Url.EncodeToString(hash.AsSpan(0, 24));
    }
}
