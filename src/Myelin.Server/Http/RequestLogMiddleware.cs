using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Myelin.Server.Http;

/// <summary>
/// One structured log line per request. Only the path is logged: the query string may hold an
/// <c>access_token</c> and headers may hold <c>Authorization</c>, so neither is ever written.
/// </summary>
internal sealed partial class RequestLogMiddleware(RequestDelegate next, ILogger<RequestLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogRequest(logger, context.Request.Method, context.Request.Path, context.Response.StatusCode,
                elapsed.TotalMilliseconds, context.Connection.RemoteIpAddress?.ToString() ?? "-");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {StatusCode} {ElapsedMs:0.0}ms from {RemoteAddress}")]
    private static partial void LogRequest(ILogger logger, string method, PathString path, int statusCode, double elapsedMs, string remoteAddress);
}
