using System.Text.Json;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Receipts;

namespace Myelin.Server.Federation.Edus;

/// <summary>
/// <c>m.receipt</c> from another server: read receipts of its users, per room. Only the entries listed change
/// (spec: m.receipt "Receipts previously received that do not appear in the EDU should not be removed"); entries for
/// users of other servers, users not in the room, rooms whose ACL denies the origin, or of a shape other than the
/// schema's are ignored one by one. spec: server-server "Receipts", "Server ACLs".
/// </summary>
public sealed partial class ReceiptEduHandler : IEduHandler
{
    private readonly ReceiptService _receipts;
    private readonly EduRoomChecks _checks;
    private readonly ILogger<ReceiptEduHandler> _logger;

    public ReceiptEduHandler(ReceiptService receipts, EduRoomChecks checks, ILogger<ReceiptEduHandler> logger)
    {
        _receipts = receipts;
        _checks = checks;
        _logger = logger;
    }

    public string EduType => EduTypes.Receipt;

    public async Task HandleAsync(ServerName origin, JsonElement content, CancellationToken cancellationToken)
    {
        if (content.ValueKind != JsonValueKind.Object)
        {
            LogIgnored(_logger, origin.Value, "content is not an object");
            return;
        }
        foreach (var roomEntry in content.EnumerateObject())
        {
            if (!RoomId.TryParse(roomEntry.Name, out var room) || roomEntry.Value.ValueKind != JsonValueKind.Object)
            {
                LogIgnored(_logger, origin.Value, $"'{roomEntry.Name}' is not a room ID with receipts");
                continue;
            }
            if (!await _checks.IsAllowedByAclAsync(room, origin, cancellationToken))
            {
                LogIgnored(_logger, origin.Value, $"the server ACL of {room} denies it");
                continue;
            }
            // Only read receipts are exchanged over federation (private ones never leave their server).
            if (!roomEntry.Value.TryGetProperty(ReceiptTypes.Read, out var reads) || reads.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            foreach (var userEntry in reads.EnumerateObject())
            {
                await HandleReceiptAsync(origin, room, userEntry, cancellationToken);
            }
        }
    }

    private async Task HandleReceiptAsync(ServerName origin, RoomId room, JsonProperty entry, CancellationToken cancellationToken)
    {
        var receipt = entry.Value;
        if (!UserId.TryParse(entry.Name, out var user) || receipt.ValueKind != JsonValueKind.Object
            || !receipt.TryGetProperty("event_ids", out var eventIds) || eventIds.ValueKind != JsonValueKind.Array || eventIds.GetArrayLength() == 0
            || eventIds[0].ValueKind != JsonValueKind.String || !EventId.TryParse(eventIds[0].GetString(), out var eventId)
            || !receipt.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("ts", out var tsValue) || !tsValue.TryGetInt64(out long ts))
        {
            LogIgnored(_logger, origin.Value, $"malformed receipt of '{entry.Name}' in {room}");
            return;
        }
        string? threadId = null;
        if (data.TryGetProperty("thread_id", out var thread))
        {
            if (thread.ValueKind != JsonValueKind.String || thread.GetString() is not { Length: > 0 } t)
            {
                LogIgnored(_logger, origin.Value, $"malformed thread_id of {user} in {room}");
                return;
            }
            threadId = t;
        }
        if (user.Server != origin)
        {
            LogIgnored(_logger, origin.Value, $"{user} is not a user of the sending server");
            return;
        }
        if (!await _checks.IsJoinedAsync(room, user, cancellationToken))
        {
            LogIgnored(_logger, origin.Value, $"{user} is not joined to {room}");
            return;
        }
        await _receipts.SetRemoteReceiptAsync(user, room, ReceiptTypes.Read, eventId, threadId, ts, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored (part of) m.receipt from {Origin}: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string origin, string reason);
}
