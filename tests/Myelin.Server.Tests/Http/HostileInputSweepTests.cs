using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Tests.Federation;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Http;

/// <summary>
/// Every route the server maps, client and federation alike, is sent hostile input by an authenticated caller (a
/// logged-in user; a real remote server signing its requests): junk in each path parameter, malformed JSON, JSON of the
/// wrong shape, deep nesting. Whatever the endpoint, the answer must be a clear 4xx (or a success) and never a 5xx:
/// spec: client-server "API standards" (errors are 4xx with an errcode), server-server "Request Authentication".
/// The route list comes from the running server, so an endpoint added later is swept without touching this test.
/// </summary>
public sealed partial class HostileInputSweepTests
{
    private static readonly string[] JunkSegments = ["x", "%21%3A", "%24", "%40%3A%3A", new string('a', 300), "%00", "..%2F..%2Fetc"];

    private static readonly string[] JunkBodies =
    [
        "{not json",
        "[1,2,3]",
        "\"a string\"",
        "{\"content\":5,\"type\":[],\"user_id\":{},\"pdus\":\"x\",\"edus\":7,\"device_keys\":1,\"one_time_keys\":[],\"auth\":3,\"limit\":\"many\"}",
        new string('[', 200) + new string(']', 200),
    ];

    [GeneratedRegex(@"\{\*{0,2}([^}:=?]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    [Fact]
    public async Task No_route_answers_hostile_input_with_a_server_error()
    {
        await using var target = await FederatedHomeserver.StartAsync();
        await using var origin = await FederatedHomeserver.StartAsync();
        var user = await target.Server.RegisterAsync("sweeper");
        var routes = target.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Where(r => r.Pattern.StartsWith("/_matrix", StringComparison.Ordinal) || r.Pattern.StartsWith("_matrix", StringComparison.Ordinal))
            .Where(r => r.Method is "GET" or "POST" or "PUT" or "DELETE")
            // Logging out would end the sweeper's session half-way.
            .Where(r => !r.Pattern.Contains("/logout", StringComparison.Ordinal) && !r.Pattern.Contains("/deactivate", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.True(routes.Count > 100, $"only {routes.Count} routes found");

        // Real identifiers too, so junk bodies get past the path checks into the handlers: the sweeper's own room,
        // user, device, an event of the room, and this server's name.
        var created = await MatrixAssert.OkAsync(await user.PostAsync("/_matrix/client/v3/createRoom", new { room_alias_name = "sweep" }));
        string roomId = created["room_id"]!.GetValue<string>();
        var sent = await MatrixAssert.OkAsync(await user.PutAsync(
            $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/t0", new { msgtype = "m.text", body = "hi" }));
        var real = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["roomId"] = roomId,
            ["roomIdOrAlias"] = roomId,
            ["room"] = roomId,
            ["roomAlias"] = $"#sweep:{target.ServerName.Value}",
            ["userId"] = user.UserId.Value,
            ["eventId"] = sent["event_id"]!.GetValue<string>(),
            ["deviceId"] = user.DeviceId,
            ["serverName"] = target.ServerName.Value,
            ["server"] = target.ServerName.Value,
        };
        string RealValue(Match m) => Uri.EscapeDataString(real.GetValueOrDefault(m.Groups[1].Value, "x"));

        var failures = new List<string>();
        var successes = new int[2]; // [client, federation]: proof that the requests got through authentication
        foreach (var (method, pattern) in routes)
        {
            bool federation = pattern.Contains("_matrix/federation", StringComparison.Ordinal) || pattern.Contains("_matrix/key", StringComparison.Ordinal);
            foreach (string? junk in JunkSegments.Prepend(null))
            {
                string path = "/" + (junk is null
                    ? RouteParameter().Replace(pattern.TrimStart('/'), RealValue)
                    : RouteParameter().Replace(pattern.TrimStart('/'), junk));
                bool hasBody = method is "POST" or "PUT";
                foreach (string? body in hasBody ? JunkBodies.Append("{}").Cast<string?>() : new string?[] { null })
                {
                    var response = federation
                        ? await SendSignedAsync(target, origin, method, path, body)
                        : await SendAsUserAsync(user, method, path, body);
                    string text = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode)
                    {
                        successes[federation ? 1 : 0]++;
                    }
                    // 502/504 with an errcode is the gateway answer for another server that cannot be reached (the junk
                    // server name "x" in a remote media path); every other 5xx is a server fault.
                    bool gateway = response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout
                        && text.Contains("\"errcode\"", StringComparison.Ordinal);
                    if ((int)response.StatusCode >= 500 && !gateway)
                    {
                        failures.Add($"{method} {path} body={body?[..Math.Min(body.Length, 40)]} → {(int)response.StatusCode} {text}");
                    }
                }
                if (!pattern.Contains('{'))
                {
                    break; // no parameters: one round of bodies is enough
                }
            }
        }
        Assert.True(successes[0] > 50 && successes[1] > 5, $"successes: client {successes[0]}, federation {successes[1]}");
        Assert.True(failures.Count == 0, $"{failures.Count} server errors:\n" + string.Join("\n", failures.Take(40)));
    }

    private static Task<HttpResponseMessage> SendAsUserAsync(TestUser user, string method, string path, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.AccessToken);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return user.Server.Http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendSignedAsync(FederatedHomeserver target, FederatedHomeserver origin, string method, string path, string? body)
    {
        // A body that is not a JSON object cannot be signed as one: sign "{}" and send the junk, as a broken or hostile
        // server might.
        bool signable = body is not null && body.StartsWith('{') && IsJson(body);
        return target.SendSignedAsync(new HttpMethod(method), path, origin.ServerName, origin.SigningKey, body,
            signedBody: body is null ? null : signable ? body : "{}");
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(text);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
