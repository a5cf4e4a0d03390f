using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Authentication;
using Myelin.Server.E2ee;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.ToDevice;

/// <summary>PUT /sendToDevice/{eventType}/{txnId}. spec: client-server "Send-to-Device messaging" (openapi to_device.yaml).</summary>
public static class ToDeviceEndpoints
{
    public static IEndpointRouteBuilder MapToDeviceApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("PUT", "/sendToDevice/{eventType}/{txnId}", SendAsync);
        return app;
    }

    private static async Task<IResult> SendAsync(string eventType, string txnId, HttpContext context, Requester requester, SendToDeviceService sendToDevice)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        await sendToDevice.SendAsync(requester.UserId, requester.RequireDevice(), eventType, txnId, body, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }
}
