using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Authentication;

/// <summary>
/// The authenticated user (and device) behind a client request. Declaring a <see cref="Requester"/>
/// parameter on an endpoint handler makes the endpoint require an access token: binding fails with
/// <c>M_MISSING_TOKEN</c> / <c>M_UNKNOWN_TOKEN</c> before the handler runs.
/// spec: client-server "Client Authentication".
/// </summary>
public sealed record Requester(UserId UserId, DeviceId? DeviceId, bool IsGuest, bool IsAdmin, long AccessTokenId, bool IsSuspended = false)
{
    /// <summary>Minimal API parameter binding: authenticates the request.</summary>
    public static async ValueTask<Requester?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        _ = parameter;
        var authenticator = context.RequestServices.GetRequiredService<AccessTokenAuthenticator>();
        return await authenticator.AuthenticateAsync(context);
    }

    public DeviceId RequireDevice() =>
        DeviceId ?? throw Http.MatrixException.Forbidden("This access token has no device.");
}
