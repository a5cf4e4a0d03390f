using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Federation.Authentication;

namespace Myelin.Server.FederationApi;

/// <summary>The server-server API's endpoints. One line per area.</summary>
public static class FederationApiRegistration
{
    /// <summary>
    /// Maps the key and version endpoints (unauthenticated per spec) and returns nothing else yet; every endpoint
    /// added under <see cref="MapAuthenticatedGroup"/> requires a valid X-Matrix signature.
    /// </summary>
    public static IEndpointRouteBuilder MapFederationApi(this IEndpointRouteBuilder app)
    {
        app.MapServerKeyApi();
        app.MapFederationVersionApi();
        var federation = app.MapAuthenticatedGroup();
        federation.MapFederationQueryApi();
        return app;
    }

    /// <summary>
    /// The <c>/_matrix/federation</c> route group whose endpoints all require request authentication (also those
    /// that do not declare a <see cref="FederationOrigin"/> parameter). spec: server-server "Request Authentication".
    /// </summary>
    public static RouteGroupBuilder MapAuthenticatedGroup(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_matrix/federation");
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            await http.RequestServices.GetRequiredService<FederationAuthenticator>().AuthenticateAsync(http);
            return await next(context);
        });
        return group;
    }
}
