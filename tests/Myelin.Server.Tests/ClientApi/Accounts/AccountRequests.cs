using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Accounts;

/// <summary>Raw requests the account tests send (JSON strings, so malformed bodies are easy to write).</summary>
internal static class AccountRequests
{
    public const string V3 = "/_matrix/client/v3";

    public static Task<HttpResponseMessage> PostAsync(this TestHomeserver server, string path, object body, string? accessToken = null) =>
        server.SendAsync(HttpMethod.Post, path, body, accessToken);

    public static Task<HttpResponseMessage> SendAsync(this TestHomeserver server, HttpMethod method, string path, object? body, string? accessToken = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        return server.Http.SendAsync(request);
    }

    /// <summary>Logs in with a password; returns the body.</summary>
    public static async Task<JsonObject> LoginAsync(this TestHomeserver server, string user, string password, string? deviceId = null)
    {
        object body = deviceId is null
            ? new { type = "m.login.password", identifier = new { type = "m.id.user", user }, password }
            : new { type = "m.login.password", identifier = new { type = "m.id.user", user }, password, device_id = deviceId };
        return await MatrixAssert.OkAsync(await server.PostAsync(V3 + "/login", body));
    }

    /// <summary>The <c>auth</c> dict re-authenticating a user by password in a UIA session.</summary>
    public static object PasswordAuth(TestUser user, string session, string? password = null) => new
    {
        type = "m.login.password",
        identifier = new { type = "m.id.user", user = user.UserId.Value },
        password = password ?? user.Password,
        session,
    };

    /// <summary>Sends a UIA-protected request without auth, then with the user's password; returns the final response.</summary>
    public static async Task<HttpResponseMessage> WithPasswordAuthAsync(this TestUser user, HttpMethod method, string path, Func<object?, object> body)
    {
        var first = await user.SendAsync(method, path, body(null));
        var challenge = await UiaAssert.ChallengeAsync(first);
        return await user.SendAsync(method, path, body(PasswordAuth(user, challenge["session"]!.GetValue<string>())));
    }
}

/// <summary>Assertions on user-interactive auth challenges.</summary>
internal static class UiaAssert
{
    /// <summary>Asserts a 401 UIA challenge (flows + session) and returns it.</summary>
    public static async Task<JsonObject> ChallengeAsync(HttpResponseMessage response, string? errcode = null)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 401, $"expected a 401 UIA challenge, got {(int)response.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.NotNull(body["flows"]);
        Assert.False(string.IsNullOrEmpty(body["session"]?.GetValue<string>()));
        Assert.Equal(errcode, body["errcode"]?.GetValue<string>());
        return body;
    }
}
