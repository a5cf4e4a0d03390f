using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Myelin.Server.ClientApi;

/// <summary>
/// Maps client-server endpoints under every prefix the spec (and older clients) use: <c>v3</c>, and the
/// legacy <c>r0</c> that clients such as Debian's matrix-nio still call. Endpoints introduced under
/// <c>v1</c> (relations, threads, hierarchy, media, ...) use <see cref="MapV1"/>.
/// </summary>
public static class ClientRoutes
{
    public static readonly string[] V3Prefixes = ["/_matrix/client/v3", "/_matrix/client/r0"];
    public const string V1Prefix = "/_matrix/client/v1";

    /// <summary>Maps <paramref name="path"/> (starting with '/') under v3 and r0.</summary>
    public static IEndpointConventionBuilder MapV3(this IEndpointRouteBuilder app, string method, string path, Delegate handler) =>
        new Conventions(V3Prefixes.Select(prefix => app.MapMethods(prefix + path, [method], handler)).ToArray());

    /// <summary>Maps <paramref name="path"/> under v1 only.</summary>
    public static IEndpointConventionBuilder MapV1(this IEndpointRouteBuilder app, string method, string path, Delegate handler) =>
        app.MapMethods(V1Prefix + path, [method], handler);

    /// <summary>Applies conventions (metadata, filters) to every prefix's endpoint at once.</summary>
    private sealed class Conventions(IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
