using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.Accounts;
using Myelin.Server.E2ee;
using Myelin.Server.Http;

namespace Myelin.Server.ClientApi.Keys;

/// <summary>Cross-signing key and signature upload. spec: client-server "Cross-signing" (openapi cross_signing.yaml).</summary>
public static class CrossSigningEndpoints
{
    public static IEndpointRouteBuilder MapCrossSigningApi(this IEndpointRouteBuilder app)
    {
        app.MapV3("POST", "/keys/device_signing/upload", UploadKeysAsync);
        app.MapV3("POST", "/keys/signatures/upload", UploadSignaturesAsync);
        return app;
    }

    private static async Task<IResult> UploadKeysAsync(HttpContext context, Requester requester, CrossSigningService crossSigning, InteractiveAuthStages stages)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        var upload = CrossSigningService.ReadUpload(requester.UserId, body);
        if (await crossSigning.RequiresAuthAsync(requester.UserId, upload, context.RequestAborted))
        {
            var outcome = await stages.ReauthenticateAsync(body.Auth(), requester.UserId, "device_signing_upload", context.RequestAborted);
            if (!outcome.Authenticated)
            {
                return MatrixResults.Json(outcome.Challenge!, StatusCodes.Status401Unauthorized);
            }
        }
        await crossSigning.UploadAsync(requester.UserId, upload, context.RequestAborted);
        return MatrixResults.EmptyObject();
    }

    private static async Task<IResult> UploadSignaturesAsync(HttpContext context, Requester requester, CrossSigningService crossSigning)
    {
        var body = await context.Request.ReadJsonObjectAsync(context.RequestAborted);
        return MatrixResults.Json(await crossSigning.UploadSignaturesAsync(requester.UserId, body, context.RequestAborted));
    }
}
