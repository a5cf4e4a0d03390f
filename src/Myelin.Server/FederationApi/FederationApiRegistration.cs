using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Federation.Authentication;
using Myelin.Server.ServerKeys;

using Myelin.Server.Federation.RateLimiting;

namespace Myelin.Server.FederationApi;

/// <summary>The server-server API's endpoints. One line per area.</summary>
public static class FederationApiRegistration
{
    /// <summary>
    /// Maps the key and version endpoints (unauthenticated per spec) and the authenticated federation endpoints
    /// (under <see cref="MapAuthenticatedGroup"/>, which require a valid X-Matrix signature).
    /// </summary>
    public static IEndpointRouteBuilder MapFederationApi(this IEndpointRouteBuilder app)
    {
        // Load the key ring now, so a malformed old signing keys file stops the server at start (ConfigException).
        _ = app.ServiceProvider.GetRequiredService<ServerKeyRing>();
        app.MapServerKeyApi();
        app.MapFederationVersionApi();
        var federation = app.MapAuthenticatedGroup();
        federation.MapFederationQueryApi();
        federation.MapFederationUserKeysApi();
        federation.MapFederationTransactionApi();
        federation.MapFederationEventApi();
        federation.MapFederationBackfillApi();
        federation.MapFederationPublicRoomsApi();
        federation.MapFederationTimestampToEventApi();
        federation.MapFederationHierarchyApi();
        federation.MapFederationMembershipApi();
        federation.MapFederationMediaApi();
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
            var origin = await http.RequestServices.GetRequiredService<FederationAuthenticator>().AuthenticateAsync(http);
            // Per origin, after authentication: an unsigned flood is refused before it costs a slot (rc_federation).
            using var slot = await http.RequestServices.GetRequiredService<FederationRateLimiter>().AcquireAsync(origin.ServerName, http.RequestAborted);
            return await next(context);
        });
        return group;
    }
}
