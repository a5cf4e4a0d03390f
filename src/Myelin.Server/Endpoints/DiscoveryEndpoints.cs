using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Configuration;

namespace Myelin.Server.Endpoints;

/// <summary>
/// What a client or server asks before anything else: supported spec versions, the well-known discovery
/// documents, and a liveness probe.
/// </summary>
public static class DiscoveryEndpoints
{
    /// <summary>The client-server spec versions this server implements. spec: client-server "GET /_matrix/client/versions".</summary>
    public static readonly IReadOnlyList<string> SupportedVersions =
        [.. Enumerable.Range(1, 19).Select(minor => string.Create(CultureInfo.InvariantCulture, $"v1.{minor}"))];

    public static IEndpointRouteBuilder MapDiscoveryApi(this IEndpointRouteBuilder endpoints, MyelinConfig config)
    {
        // The answers never change while the server runs, so they are serialized once.
        byte[] versions = Serialize(new JsonObject
        {
            ["versions"] = new JsonArray([.. SupportedVersions.Select(v => (JsonNode)v)]),
            ["unstable_features"] = new JsonObject(),
        });
        endpoints.MapGet("/_matrix/client/versions", () => Results.Bytes(versions, "application/json"))
            .WithName("GetVersions");

        // spec: client-server "GET /.well-known/matrix/client".
        byte[] clientWellKnown = Serialize(new JsonObject
        {
            ["m.homeserver"] = new JsonObject { ["base_url"] = config.PublicBaseUrl.AbsoluteUri.TrimEnd('/') },
        });
        endpoints.MapGet("/.well-known/matrix/client", () => Results.Bytes(clientWellKnown, "application/json"))
            .WithName("GetClientWellKnown");

        if (config.ServeServerWellKnown)
        {
            // spec: server-server "GET /.well-known/matrix/server": delegate to port 443 of public_baseurl's host
            // (or its explicit port), as Synapse does.
            var baseUrl = config.PublicBaseUrl;
            string port = baseUrl.IsDefaultPort ? "443" : baseUrl.Port.ToString(CultureInfo.InvariantCulture);
            byte[] serverWellKnown = Serialize(new JsonObject { ["m.server"] = $"{baseUrl.Host}:{port}" });
            endpoints.MapGet("/.well-known/matrix/server", () => Results.Bytes(serverWellKnown, "application/json"))
                .WithName("GetServerWellKnown");
        }

        endpoints.MapMethods("/health", [HttpMethods.Get, HttpMethods.Head], () => Results.Text("OK", "text/plain"))
            .WithName("GetHealth");
        return endpoints;
    }

    private static byte[] Serialize(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }
        return buffer.ToArray();
    }
}
