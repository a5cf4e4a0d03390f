using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Server.Http;
using Myelin.Server.Tests.Hosting;

namespace Myelin.Server.Tests.Http;

public sealed record TestProfile
{
    [JsonPropertyName("displayname")]
    public required string DisplayName { get; init; }

    [JsonPropertyName("age")]
    public int Age { get; init; }
}

[JsonSerializable(typeof(TestProfile))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

public sealed class ErrorResponseTests
{
    private static void TestEndpoints(IEndpointRouteBuilder e)
    {
        e.MapPost("/_test/object", async (HttpRequest request) =>
        {
            var body = await request.ReadJsonObjectAsync(request.HttpContext.RequestAborted);
            return MatrixResults.Json(new System.Text.Json.Nodes.JsonObject { ["keys"] = body.Count });
        });
        e.MapPost("/_test/profile", async (HttpRequest request) =>
        {
            var profile = await request.ReadJsonAsync(TestJsonContext.Default.TestProfile, request.HttpContext.RequestAborted);
            return MatrixResults.Json(profile, TestJsonContext.Default.TestProfile);
        });
        e.MapGet("/_test/crash", string () => throw new InvalidOperationException("boom in test endpoint"));
        e.MapGet("/_test/limited", string () => throw MatrixException.LimitExceeded(TimeSpan.FromMilliseconds(1500)));
        e.MapGet("/_test/soft-logout", string () => throw MatrixException.UnknownToken(softLogout: true));
        e.MapGet("/_test/query/{id:int}", (int id, int limit) => Results.Text($"{id}/{limit}"));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    [Fact]
    public async Task Unknown_endpoint_is_404_M_UNRECOGNIZED()
    {
        await using var server = await TestServer.StartAsync();

        var (status, body) = await SendAsync(server.Client, HttpMethod.Get, "/_matrix/client/v3/no_such_endpoint");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("M_UNRECOGNIZED", body.GetProperty("errcode").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Wrong_method_is_405_M_UNRECOGNIZED()
    {
        await using var server = await TestServer.StartAsync();

        var (status, body) = await SendAsync(server.Client, HttpMethod.Post, "/_matrix/client/versions", "{}");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal("M_UNRECOGNIZED", body.GetProperty("errcode").GetString());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("{\"a\": 1} trailing")]
    public async Task Malformed_json_body_is_400_M_NOT_JSON(string payload)
    {
        await using var server = await TestServer.StartAsync(endpoints: TestEndpoints);

        var (status, body) = await SendAsync(server.Client, HttpMethod.Post, "/_test/object", payload);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("M_NOT_JSON", body.GetProperty("errcode").GetString());
    }

    [Theory]
    [InlineData("/_test/object", "[1, 2]")]
    [InlineData("/_test/profile", "{\"age\": 3}")]
    [InlineData("/_test/profile", "{\"displayname\": \"x\", \"age\": \"three\"}")]
    [InlineData("/_test/profile", "null")]
    public async Task Json_of_the_wrong_shape_is_400_M_BAD_JSON(string path, string payload)
    {
        await using var server = await TestServer.StartAsync(endpoints: TestEndpoints);

        var (status, body) = await SendAsync(server.Client, HttpMethod.Post, path, payload);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("M_BAD_JSON", body.GetProperty("errcode").GetString());
    }

    [Fact]
    public async Task Well_formed_body_reaches_the_endpoint()
    {
        await using var server = await TestServer.StartAsync(endpoints: TestEndpoints);

        var (status, body) = await SendAsync(server.Client, HttpMethod.Post, "/_test/profile", "{\"displayname\": \"Alice\", \"age\": 30}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Alice", body.GetProperty("displayname").GetString());
        Assert.Equal(30, body.GetProperty("age").GetInt32());
    }

    [Fact]
    public async Task Body_over_the_configured_limit_is_413_M_TOO_LARGE()
    {
        await using var server = await TestServer.StartAsync(c => c with { MaxRequestBodySize = 4096 }, TestEndpoints);
        string big = "{\"pad\": \"" + new string('x', 10_000) + "\"}";

        var (status, body) = await SendAsync(server.Client, HttpMethod.Post, "/_test/object", big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("M_TOO_LARGE", body.GetProperty("errcode").GetString());
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413_M_TOO_LARGE()
    {
        await using var server = await TestServer.StartAsync(c => c with { MaxRequestBodySize = 4096 }, TestEndpoints);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_test/object")
        {
            // No Content-Length: the limit must be enforced while reading.
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"pad\": \"" + new string('x', 10_000) + "\"}"))),
        };
        request.Headers.TransferEncodingChunked = true;

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("M_TOO_LARGE", body.RootElement.GetProperty("errcode").GetString());
    }

    [Fact]
    public async Task Unexpected_exception_is_500_M_UNKNOWN_and_logged_with_context()
    {
        await using var server = await TestServer.StartAsync(endpoints: TestEndpoints);

        var (status, body) = await SendAsync(server.Client, HttpMethod.Get, "/_test/crash");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("M_UNKNOWN", body.GetProperty("errcode").GetString());
        // The client learns nothing about the internals; the log has the details.
        Assert.DoesNotContain("boom", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal)
            && l.Contains("/_test/crash", StringComparison.Ordinal) && l.Contains("boom in test endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Limit_exceeded_carries_retry_after_ms_and_Retry_After()
    {
        await using var server = await TestServer.StartAsync(endpoints: TestEndpoints);

        using var response = await server.Client.GetAsync("/_test/limited");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("M_LIMIT_EXCEEDED", body.RootElement.GetProperty("errcode").GetString());
        Assert.Equal(1500, body.RootElement.GetProperty("retry_after_ms").GetInt64());
    }

    [Fact]
    public async Task Extra_fields_such_as_soft_logout_are_included()
    {
        await using var server = await TestServer.StartAsync(endpoints: TestEndpoints);

        var (status, body) = await SendAsync(server.Client, HttpMethod.Get, "/_test/soft-logout");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("M_UNKNOWN_TOKEN", body.GetProperty("errcode").GetString());
        Assert.True(body.GetProperty("soft_logout").GetBoolean());
    }

    [Fact]
    public async Task Bad_and_missing_query_parameters_are_M_INVALID_PARAM_and_M_MISSING_PARAM()
    {
        await using var server = await TestServer.StartAsync(endpoints: TestEndpoints);

        var (invalidStatus, invalid) = await SendAsync(server.Client, HttpMethod.Get, "/_test/query/1?limit=many");
        var (missingStatus, missing) = await SendAsync(server.Client, HttpMethod.Get, "/_test/query/1");

        Assert.Equal(HttpStatusCode.BadRequest, invalidStatus);
        Assert.Equal("M_INVALID_PARAM", invalid.GetProperty("errcode").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, missingStatus);
        Assert.Equal("M_MISSING_PARAM", missing.GetProperty("errcode").GetString());
    }
}
