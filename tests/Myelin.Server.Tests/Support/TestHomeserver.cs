using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;

namespace Myelin.Server.Tests.Support;

/// <summary>
/// A real Myelin host on 127.0.0.1 (random port) over a fresh database, with a plain HttpClient and helpers for
/// the requests most tests start with. Registration is open (m.login.dummy) unless <c>configure</c> changes it.
/// </summary>
public sealed class TestHomeserver : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private int _userCounter;

    private TestHomeserver(MyelinHost host, TestDatabase database)
    {
        Host = host;
        _database = database;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public MyelinHost Host { get; }
    public HttpClient Http { get; }
    public ServerName ServerName => Host.Config.ServerName;
    public IServiceProvider Services => Host.Services;

    public static async Task<TestHomeserver> StartAsync(TestEngine engine = TestEngine.Sqlite,
        Func<MyelinConfig, MyelinConfig>? configure = null, string serverName = "localhost", MyelinHostOptions? options = null)
    {
        var database = await TestDatabase.CreateAsync(engine);
        try
        {
            var config = MyelinConfig.CreateDefault(ServerName.Parse(serverName), database.Directory) with
            {
                Database = database.Config,
                Listeners = [ListenerConfig.Http(IPAddress.Loopback, 0)],
                EnableRegistration = true,
                RegistrationSharedSecret = "test-shared-secret",
                // Tests make many requests quickly; rate limiting has its own tests.
                RateLimiting = new RateLimitingConfig { Enabled = false },
            };
            config = configure?.Invoke(config) ?? config;
            var host = await MyelinHost.StartAsync(config, options ?? new MyelinHostOptions { ConsoleLogging = false });
            return new TestHomeserver(host, database);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registers a new user through the spec's m.login.dummy flow and returns a client logged in as them.</summary>
    public async Task<TestUser> RegisterAsync(string? localpart = null, string password = "correct horse battery")
    {
        localpart ??= $"user{Interlocked.Increment(ref _userCounter)}-{Guid.NewGuid().ToString("N")[..6]}";
        var first = await Http.PostAsJsonAsync("/_matrix/client/v3/register", new { username = localpart, password });
        string session = (await first.Content.ReadFromJsonAsync<JsonObject>())!["session"]?.GetValue<string>() ?? "";
        var response = await Http.PostAsJsonAsync("/_matrix/client/v3/register",
            new { username = localpart, password, auth = new { type = "m.login.dummy", session } });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"registration failed: {(int)response.StatusCode} {body}");
        }
        return new TestUser(this, UserId.Parse(body!["user_id"]!.GetValue<string>()), body["access_token"]!.GetValue<string>(),
            body["device_id"]!.GetValue<string>(), password);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>A registered user with their own authenticated HttpClient.</summary>
public sealed class TestUser
{
    public TestUser(TestHomeserver server, UserId userId, string accessToken, string deviceId, string password)
    {
        Server = server;
        UserId = userId;
        AccessToken = accessToken;
        DeviceId = deviceId;
        Password = password;
    }

    public TestHomeserver Server { get; }
    public UserId UserId { get; }
    public string AccessToken { get; }
    public string DeviceId { get; }
    public string Password { get; }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        if (body is not null)
        {
            string json = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        return Server.Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<HttpResponseMessage> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body ?? new { });
    public Task<HttpResponseMessage> PutAsync(string path, object? body) => SendAsync(HttpMethod.Put, path, body ?? new { });
    public Task<HttpResponseMessage> DeleteAsync(string path, object? body = null) => SendAsync(HttpMethod.Delete, path, body);
}

/// <summary>Assertions on Matrix responses.</summary>
public static class MatrixAssert
{
    /// <summary>Asserts a 200 and returns the JSON object body.</summary>
    public static async Task<JsonObject> OkAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts the spec's error shape with this status and errcode; returns the body.</summary>
    public static async Task<JsonObject> ErrorAsync(HttpResponseMessage response, int status, string errcode)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status} {errcode}, got {(int)response.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(errcode, body["errcode"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["error"]?.GetValue<string>()), "error message present");
        return body;
    }
}
