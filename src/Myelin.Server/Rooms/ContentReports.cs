using Myelin.Protocol.Authorization;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Http;

namespace Myelin.Server.Rooms;

/// <summary>
/// Users' reports of rooms and events, stored for the server's administrators.
/// spec: client-server "Reporting content"; openapi report_content.yaml.
/// </summary>
public sealed class ContentReports
{
    private readonly RoomEvents _events;
    private readonly TimeProvider _time;

    public ContentReports(RoomEvents events, TimeProvider time)
    {
        _events = events;
        _time = time;
    }

    /// <summary>Reports a room; the reporter need not be in it. An unknown room is <c>404 M_NOT_FOUND</c>.</summary>
    public async Task<long> ReportRoomAsync(UserId reporter, RoomId roomId, string reason, CancellationToken cancellationToken)
    {
        if (await _events.Database.Rooms.GetAsync(roomId, cancellationToken) is null)
        {
            throw MatrixException.NotFound("The room was not found.");
        }
        return await _events.Database.RoomReports.AddAsync(reporter, roomId, null, reason, null, Now(), cancellationToken);
    }

    /// <summary>
    /// Reports an event. spec: 404 when "the event was not found or you are not joined to the room" (one answer for
    /// both, so the endpoint cannot probe rooms).
    /// </summary>
    public async Task<long> ReportEventAsync(UserId reporter, RoomId roomId, EventId eventId, string? reason, long? score, CancellationToken cancellationToken)
    {
        var database = _events.Database;
        var membership = await database.Memberships.GetMembershipAsync(roomId, reporter, cancellationToken);
        var stored = await database.Events.GetEventAsync(eventId, cancellationToken);
        if (membership?.Membership != Membership.Join || stored is null || stored.RoomId != roomId)
        {
            throw MatrixException.NotFound("The event was not found or you are not joined to the room.");
        }
        return await database.RoomReports.AddAsync(reporter, roomId, eventId, reason, score, Now(), cancellationToken);
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
