using Microsoft.AspNetCore.Http;

namespace Myelin.Server.Http;

/// <summary>
/// CORS headers on every response and an answer to every pre-flight <c>OPTIONS</c> request without running
/// the endpoint. spec: client-server "Web Browser Clients".
/// </summary>
internal sealed class CorsMiddleware(RequestDelegate next)
{
    public const string AllowOrigin = "*";
    // spec: the recommended methods, plus HEAD which ASP.NET Core answers for GET routes.
    public const string AllowMethods = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
    public const string AllowHeaders = "X-Requested-With, Content-Type, Authorization, Date";

    public Task InvokeAsync(HttpContext context)
    {
        // Set on starting so error responses written later in the pipeline carry them too.
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.AccessControlAllowOrigin = AllowOrigin;
            headers.AccessControlAllowMethods = AllowMethods;
            headers.AccessControlAllowHeaders = AllowHeaders;
            return Task.CompletedTask;
        }, context.Response);

        if (HttpMethods.IsOptions(context.Request.Method))
        {
            // spec: "the server MUST NOT perform any logic defined for the endpoints" on OPTIONS.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
        return next(context);
    }
}
