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
    private readonly MyelinConfig _config;
    private readonly MyelinHostOptions _options;
    private readonly Func<Uri, HttpClient> _httpFactory;
    private int _userCounter;

    private TestHomeserver(MyelinHost host, TestDatabase database, MyelinConfig config, MyelinHostOptions options, Func<Uri, HttpClient> httpFactory)
    {
        Host = host;
        _database = database;
        _config = config;
        _options = options;
        _httpFactory = httpFactory;
        Http = httpFactory(host.BaseAddress);
    }

    /// <summary>The running host (replaced by <see cref="RestartAsync"/>).</summary>
    public MyelinHost Host { get; private set; }

    /// <summary>A client for <see cref="Host"/> (replaced by <see cref="RestartAsync"/>, which may change the port).</summary>
    public HttpClient Http { get; private set; }

    /// <summary>Whether the host is stopped (between <see cref="StopAsync"/> and <see cref="StartAgainAsync"/>).</summary>
    public bool IsStopped { get; private set; }
    public ServerName ServerName => Host.Config.ServerName;
    public IServiceProvider Services => Host.Services;

    public static async Task<TestHomeserver> StartAsync(TestEngine engine = TestEngine.Sqlite,
        Func<MyelinConfig, MyelinConfig>? configure = null, string serverName = "localhost", MyelinHostOptions? options = null,
        Func<Uri, HttpClient>? httpFactory = null)
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
            options ??= new MyelinHostOptions { ConsoleLogging = false };
            var host = await MyelinHost.StartAsync(config, options);
            return new TestHomeserver(host, database, config, options,
                httpFactory ?? (address => new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) }));
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

    /// <summary>Stops the host (graceful shutdown) and keeps its database and data directory, for restart tests.</summary>
    public async Task StopAsync()
    {
        if (!IsStopped)
        {
            IsStopped = true;
            await Host.DisposeAsync();
        }
    }

    /// <summary>Starts a new host over the same configuration, database and data directory (and the same port, if it was fixed).</summary>
    public async Task StartAgainAsync()
    {
        if (!IsStopped)
        {
            throw new InvalidOperationException("The host is running.");
        }
        Host = await MyelinHost.StartAsync(_config, _options);
        IsStopped = false;
        Http.Dispose();
        Http = _httpFactory(Host.BaseAddress);
    }

    /// <summary><see cref="StopAsync"/> then <see cref="StartAgainAsync"/>.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAgainAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!IsStopped)
        {
            await Host.DisposeAsync();
        }
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
