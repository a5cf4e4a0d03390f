using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Myelin.Server.Http;

/// <summary>
/// The one place where failures become HTTP responses: <see cref="MatrixException"/>s, body-size and
/// parameter-binding failures, unmatched routes (404/405 <c>M_UNRECOGNIZED</c>) and unexpected exceptions
/// (logged with context and answered 500 <c>M_UNKNOWN</c>).
/// </summary>
internal sealed partial class MatrixErrorMiddleware(RequestDelegate next, ILogger<MatrixErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        MatrixException? error;
        try
        {
            await next(context);
            error = ErrorForEmptyResponse(context);
        }
        catch (MatrixException e)
        {
            error = e;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            error = MatrixException.TooLarge();
        }
        catch (BadHttpRequestException e)
        {
            // Minimal-API parameter binding failures (ThrowOnBadRequest is on).
            error = ErrorForBindingFailure(e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            LogRequestAborted(logger, context.Request.Method, context.Request.Path);
            return;
        }
        catch (Exception e)
        {
            var endpoint = context.GetEndpoint()?.DisplayName ?? "(none)";
            LogUnexpectedException(logger, e, context.Request.Method, context.Request.Path, endpoint, context.TraceIdentifier);
            error = MatrixException.Unknown();
        }

        if (error is null)
        {
            return;
        }
        if (context.Response.HasStarted)
        {
            // Too late to change the status; the client sees a truncated response.
            LogResponseAlreadyStarted(logger, error.ErrCode, context.Request.Method, context.Request.Path);
            context.Abort();
            return;
        }
        ResetResponse(context.Response);
        await MatrixErrorWriter.WriteAsync(context, error);
    }

    private static MatrixException? ErrorForEmptyResponse(HttpContext context)
    {
        var response = context.Response;
        if (response.HasStarted || response.ContentLength > 0 || response.ContentType is not null)
        {
            return null;
        }
        return response.StatusCode switch
        {
            // spec: "M_UNRECOGNIZED": 404 if the endpoint is not implemented, 405 for the wrong method.
            StatusCodes.Status404NotFound when context.GetEndpoint() is null => MatrixException.UnrecognizedEndpoint(),
            StatusCodes.Status404NotFound => MatrixException.NotFound(),
            StatusCodes.Status405MethodNotAllowed => MatrixException.UnrecognizedMethod(),
            _ => null,
        };
    }

    private static MatrixException ErrorForBindingFailure(BadHttpRequestException e)
    {
        if (e.InnerException is JsonException json)
        {
            // System.Text.Json throws a subclass for syntax errors and JsonException itself for shape errors.
            return json.GetType() == typeof(JsonException)
                ? MatrixException.BadJson("Request body has the wrong shape: " + json.Message)
                : MatrixException.NotJson("Request body is not valid JSON.");
        }
        if (e.Message.StartsWith("Required parameter", StringComparison.Ordinal))
        {
            return MatrixException.MissingParam(e.Message);
        }
        if (e.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
        {
            return MatrixException.NotJson("Request body is not valid JSON.");
        }
        return MatrixException.InvalidParam(e.Message);
    }

    private static void ResetResponse(HttpResponse response)
    {
        // Keep headers set by OnStarting callbacks (CORS); drop anything the failed endpoint set.
        response.Headers.ContentLength = null;
        response.Headers.ContentType = default;
        response.Headers.ETag = default;
        response.Headers.CacheControl = default;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path} (endpoint {Endpoint}, trace {TraceId})")]
    private static partial void LogUnexpectedException(ILogger logger, Exception exception, string method, PathString path, string endpoint, string traceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {Method} {Path} aborted by the client")]
    private static partial void LogRequestAborted(ILogger logger, string method, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send {ErrCode} for {Method} {Path}: the response had already started")]
    private static partial void LogResponseAlreadyStarted(ILogger logger, string errCode, string method, PathString path);
}
