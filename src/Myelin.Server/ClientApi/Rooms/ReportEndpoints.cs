using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Rooms;

namespace Myelin.Server.ClientApi.Rooms;

/// <summary>Reporting rooms and events. spec: client-server "Reporting content"; openapi report_content.yaml.</summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/rooms/{roomId}/report", ReportRoomAsync);
        app.MapV3("POST", "/rooms/{roomId}/report/{eventId}", ReportEventAsync);
        return app;
    }

    private static async Task<IResult> ReportRoomAsync(string roomId, HttpContext context, Requester requester, ContentReports reports, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        // spec: reason is required but "may be blank".
        string reason = body.RequiredString("reason");
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        await reports.ReportRoomAsync(requester.UserId, room, reason, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> ReportEventAsync(string roomId, string eventId, HttpContext context, Requester requester, ContentReports reports, RateLimiter rateLimiter)
    {
        var room = RequestFields.ParseRoomId(roomId);
        var target = RequestFields.ParseEventId(eventId);
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        string? reason = body.OptionalString("reason");
        // spec v1.13 removed score; older clients still send it (-100..0), so it is kept when valid.
        long? score = body.OptionalInteger("score");
        if (score is < -100 or > 0)
        {
            throw MatrixException.InvalidParam("'score' must be between -100 and 0.");
        }
        rateLimiter.Acquire(RateLimitAction.Message, RateLimiter.KeyFor(requester.UserId));
        await reports.ReportEventAsync(requester.UserId, room, target, reason, score, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }
}
