using System.Text.Json;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;
using Myelin.Server.Notifications;
using Myelin.Server.Rooms;
using Myelin.Server.Streams;
using Myelin.Storage;
using Myelin.Storage.Events;
using Myelin.Storage.Receipts;

namespace Myelin.Server.Receipts;

/// <summary>
/// Read receipts (<c>m.read</c>, private <c>m.read.private</c>, threaded or not) and the fully-read marker. A receipt
/// never moves backwards, wakes the room's syncers (private ones only the user's) and clears the user's unread
/// counts up to its event. spec: client-server "Receipts", "Fully read markers", "Threaded read receipts".
/// </summary>
public sealed class ReceiptService
{
    private readonly MyelinDatabase _database;
    private readonly RoomEvents _events;
    private readonly Notifier _notifier;
    private readonly UnreadCounter _unread;
    private readonly TimeProvider _time;

    public ReceiptService(RoomEvents events, Notifier notifier, UnreadCounter unread, TimeProvider time)
    {
        _events = events;
        _database = events.Database;
        _notifier = notifier;
        _unread = unread;
        _time = time;
    }

    /// <summary>Raised after a local user's receipt (not the fully-read marker) moved, e.g. to send <c>m.receipt</c> EDUs.</summary>
    public event Action<Receipt>? ReceiptUpdated;

    /// <summary>
    /// POST /rooms/{roomId}/receipt/{receiptType}/{eventId}. <paramref name="threadId"/> is a thread root's event ID,
    /// <c>main</c>, or null for an unthreaded receipt.
    /// </summary>
    public async Task SendReceiptAsync(UserId user, RoomId room, string receiptType, EventId eventId, string? threadId, CancellationToken cancellationToken)
    {
        if (receiptType is not (ReceiptTypes.Read or ReceiptTypes.ReadPrivate or ReceiptTypes.FullyRead))
        {
            throw MatrixException.InvalidParam($"Receipt type must be {ReceiptTypes.Read}, {ReceiptTypes.ReadPrivate} or {ReceiptTypes.FullyRead}.");
        }
        if (threadId is not null && receiptType == ReceiptTypes.FullyRead)
        {
            // spec: receipts.yaml 400 "It is provided for an incompatible receipt type."
            throw MatrixException.InvalidParam("thread_id cannot be used with m.fully_read.");
        }
        await RequireJoinedAsync(user, room, cancellationToken);
        var stored = await RequireEventAsync(room, eventId, "eventId", cancellationToken);
        if (threadId is not null && threadId != UnreadCounter.MainThread)
        {
            var pdu = await _events.ToPduAsync(stored, cancellationToken);
            // spec: receipts.yaml 400 "The event_id is not related to the thread_id."
            if (eventId.Value != threadId && UnreadCounter.ThreadOf(pdu.Content) != threadId)
            {
                throw MatrixException.InvalidParam("The event is not in the thread given by thread_id.");
            }
        }
        if (receiptType == ReceiptTypes.FullyRead)
        {
            await SetFullyReadAsync(user, room, eventId, cancellationToken);
        }
        else
        {
            await SetReceiptAsync(user, room, receiptType, stored, threadId, cancellationToken);
        }
    }

    /// <summary>POST /rooms/{roomId}/read_markers: any of the three, each an event ID of the room.</summary>
    public async Task SetReadMarkersAsync(UserId user, RoomId room, EventId? fullyRead, EventId? read, EventId? readPrivate, CancellationToken cancellationToken)
    {
        await RequireJoinedAsync(user, room, cancellationToken);
        StoredEvent? readEvent = read is { } r ? await RequireEventAsync(room, r, ReceiptTypes.Read, cancellationToken) : null;
        StoredEvent? privateEvent = readPrivate is { } p ? await RequireEventAsync(room, p, ReceiptTypes.ReadPrivate, cancellationToken) : null;
        if (fullyRead is { } f)
        {
            await RequireEventAsync(room, f, ReceiptTypes.FullyRead, cancellationToken);
            await SetFullyReadAsync(user, room, f, cancellationToken);
        }
        if (readEvent is not null)
        {
            await SetReceiptAsync(user, room, ReceiptTypes.Read, readEvent, null, cancellationToken);
        }
        if (privateEvent is not null)
        {
            await SetReceiptAsync(user, room, ReceiptTypes.ReadPrivate, privateEvent, null, cancellationToken);
        }
    }

    private async Task SetReceiptAsync(UserId user, RoomId room, string receiptType, StoredEvent target, string? threadId, CancellationToken cancellationToken)
    {
        // A receipt for an older event than the user's current one is accepted but changes nothing (as Synapse does).
        var existing = (await _database.Receipts.GetForRoomAsync(room, cancellationToken))
            .FirstOrDefault(x => x.UserId == user && x.ReceiptType == receiptType && x.ThreadId == threadId);
        if (existing is not null)
        {
            if (existing.EventId == target.EventId)
            {
                return;
            }
            var previous = await _database.Events.GetEventAsync(existing.EventId, cancellationToken);
            if (previous is not null && previous.StreamPosition > target.StreamPosition)
            {
                return;
            }
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var position = await _database.Receipts.SetAsync(room, receiptType, user, threadId, target.EventId, now, cancellationToken);
        await _unread.MarkReadAsync(user, room, threadId, target.StreamPosition, CancellationToken.None);
        ReceiptUpdated?.Invoke(new Receipt(room, receiptType, user, threadId, target.EventId, now, position));
        if (receiptType == ReceiptTypes.ReadPrivate)
        {
            _notifier.NotifyUser(user);
        }
        else
        {
            _notifier.NotifyRoom(room);
        }
    }

    /// <summary>
    /// A receipt of a user of another server (from an <c>m.receipt</c> EDU; the caller checked the user and the room).
    /// Like local receipts it never moves back to an older event; the event may not have reached us yet.
    /// </summary>
    public async Task SetRemoteReceiptAsync(UserId user, RoomId room, string receiptType, EventId eventId, string? threadId, long ts, CancellationToken cancellationToken)
    {
        var existing = (await _database.Receipts.GetForRoomAsync(room, cancellationToken))
            .FirstOrDefault(x => x.UserId == user && x.ReceiptType == receiptType && x.ThreadId == threadId);
        if (existing is not null)
        {
            if (existing.EventId == eventId)
            {
                return;
            }
            var previous = await _database.Events.GetEventAsync(existing.EventId, cancellationToken);
            var next = await _database.Events.GetEventAsync(eventId, cancellationToken);
            if (previous is not null && next is not null && previous.StreamPosition > next.StreamPosition)
            {
                return;
            }
        }
        await _database.Receipts.SetAsync(room, receiptType, user, threadId, eventId, ts, cancellationToken);
        _notifier.NotifyRoom(room);
    }

    private async Task SetFullyReadAsync(UserId user, RoomId room, EventId eventId, CancellationToken cancellationToken)
    {
        string content = JsonSerializer.Serialize(new Dictionary<string, string> { ["event_id"] = eventId.Value }, ReceiptJsonContext.Default.DictionaryStringString);
        await _database.AccountData.SetAsync(user, room, ReceiptTypes.FullyRead, content, cancellationToken);
        _notifier.NotifyUser(user);
    }

    private async Task RequireJoinedAsync(UserId user, RoomId room, CancellationToken cancellationToken)
    {
        var membership = await _database.Memberships.GetMembershipAsync(room, user, cancellationToken);
        if (membership?.Membership != Membership.Join)
        {
            throw MatrixException.Forbidden("You are not joined to this room.");
        }
    }

    private async Task<StoredEvent> RequireEventAsync(RoomId room, EventId eventId, string what, CancellationToken cancellationToken)
    {
        var stored = await _database.Events.GetEventAsync(eventId, cancellationToken);
        if (stored is null || stored.RoomId != room || stored.IsOutlier || stored.IsRejected)
        {
            throw MatrixException.NotFound($"Event {eventId} ({what}) is not in this room.");
        }
        return stored;
    }
}
