using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Federation.Authentication;

/// <summary>
/// The remote server that signed a federation request. Declaring a <see cref="FederationOrigin"/> parameter on an
/// endpoint handler makes the endpoint require a valid X-Matrix signature (401 <c>M_UNAUTHORIZED</c> otherwise).
/// spec: server-server "Request Authentication".
/// </summary>
public sealed record FederationOrigin(ServerName ServerName)
{
    /// <summary>Minimal API parameter binding: authenticates the request (once per request).</summary>
    public static async ValueTask<FederationOrigin?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        _ = parameter;
        return await context.RequestServices.GetRequiredService<FederationAuthenticator>().AuthenticateAsync(context);
    }

    public override string ToString() => ServerName.Value;
}
