using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Http;

namespace Myelin.Server.FederationApi;

/// <summary><c>GET /_matrix/federation/v1/version</c>. spec: server-server "Server implementation"; version.yaml.</summary>
public static class VersionEndpoint
{
    public const string ImplementationName = "Myelin";

    /// <summary>The informational version of the server assembly (without the source revision suffix).</summary>
    public static string ImplementationVersion { get; } =
        (typeof(VersionEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(VersionEndpoint).Assembly.GetName().Version?.ToString() ?? "0.0.0").Split('+')[0];

    public static IEndpointRouteBuilder MapFederationVersionApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/_matrix/federation/v1/version", () => MatrixResults.Json(new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = ImplementationName, ["version"] = ImplementationVersion },
        })).WithName("GetFederationVersion");
        return app;
    }
}
