using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Myelin.Load.Client;

/// <summary>
/// The client-server API calls the scenarios make, over the public API only so any homeserver is measured the same way.
/// Every call takes one request from the <see cref="RequestBudget"/>; every failure is a <see cref="MatrixRequestException"/>
/// naming the endpoint.
/// </summary>
public sealed class MatrixClient(HttpClient http, RequestBudget budget)
{
    private const string V3 = "_matrix/client/v3/";
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    public RequestBudget Budget => budget;

    /// <summary>Open registration with the <c>m.login.dummy</c> user-interactive auth stage.</summary>
    /// <remarks>spec: client-server "POST /_matrix/client/v3/register" and "User-interactive authentication API".</remarks>
    public async Task<LoadUser> RegisterAsync(string username, string password, CancellationToken ct)
    {
        const string endpoint = "POST /_matrix/client/v3/register";
        var body = new JsonObject { ["username"] = username, ["password"] = password, ["initial_device_display_name"] = "myelin-load" };
        var first = await SendAsync(HttpMethod.Post, V3 + "register", body, null, endpoint, ct, allowStatus: 401);
        JsonElement response;
        if (first.Status == 401)
        {
            using var challenge = JsonDocument.Parse(first.Body);
            if (!challenge.RootElement.TryGetProperty("session", out var session) || session.ValueKind != JsonValueKind.String)
            {
                throw new MatrixRequestException(endpoint, 401, "NO_SESSION", "the 401 user-interactive auth answer has no session");
            }
            if (!OffersDummyFlow(challenge.RootElement))
            {
                throw new MatrixRequestException(endpoint, 401, "NO_DUMMY_FLOW", $"the server offers no m.login.dummy-only flow: {Truncate(first.Body)}");
            }
            body["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = session.GetString() };
            var second = await SendAsync(HttpMethod.Post, V3 + "register", body, null, endpoint, ct);
            response = Parse(second, endpoint);
        }
        else
        {
            response = Parse(first, endpoint);
        }
        return UserFrom(response, password, endpoint);
    }

    /// <summary>Shared-secret registration (Synapse's admin API, also served by Myelin): nonce, then an HMAC-signed request.</summary>
    public async Task<LoadUser> RegisterWithSharedSecretAsync(string sharedSecret, string username, string password, CancellationToken ct)
    {
        const string endpoint = "/_synapse/admin/v1/register";
        var nonceResponse = Parse(await SendAsync(HttpMethod.Get, "_synapse/admin/v1/register", null, null, "GET " + endpoint, ct), "GET " + endpoint);
        string nonce = RequireString(nonceResponse, "nonce", "GET " + endpoint);
        var body = new JsonObject
        {
            ["nonce"] = nonce,
            ["username"] = username,
            ["password"] = password,
            ["admin"] = false,
            ["mac"] = SharedSecretMac.Compute(sharedSecret, nonce, username, password, admin: false),
        };
        var response = Parse(await SendAsync(HttpMethod.Post, "_synapse/admin/v1/register", body, null, "POST " + endpoint, ct), "POST " + endpoint);
        return UserFrom(response, password, "POST " + endpoint);
    }

    /// <summary>spec: client-server "POST /_matrix/client/v3/login" with <c>m.login.password</c> and an <c>m.id.user</c> identifier.</summary>
    public async Task<LoadUser> LoginAsync(string username, string password, CancellationToken ct)
    {
        const string endpoint = "POST /_matrix/client/v3/login";
        var body = new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = username },
            ["password"] = password,
            ["initial_device_display_name"] = "myelin-load",
        };
        var response = Parse(await SendAsync(HttpMethod.Post, V3 + "login", body, null, endpoint, ct), endpoint);
        return UserFrom(response, password, endpoint);
    }

    public async Task<string> CreateRoomAsync(LoadUser user, string name, bool isPublic, CancellationToken ct)
    {
        const string endpoint = "POST /_matrix/client/v3/createRoom";
        var body = new JsonObject { ["preset"] = isPublic ? "public_chat" : "private_chat", ["name"] = name };
        var response = Parse(await SendAsync(HttpMethod.Post, V3 + "createRoom", body, user.AccessToken, endpoint, ct), endpoint);
        return RequireString(response, "room_id", endpoint);
    }

    public async Task JoinRoomAsync(LoadUser user, string roomId, CancellationToken ct)
    {
        const string endpoint = "POST /_matrix/client/v3/rooms/{roomId}/join";
        Parse(await SendAsync(HttpMethod.Post, V3 + "rooms/" + Escape(roomId) + "/join", new JsonObject(), user.AccessToken, endpoint, ct), endpoint);
    }

    /// <summary>Sends an <c>m.room.message</c>; returns the event ID.</summary>
    public async Task<string> SendMessageAsync(LoadUser user, string roomId, string txnId, JsonObject content, CancellationToken ct)
    {
        const string endpoint = "PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}";
        string path = V3 + "rooms/" + Escape(roomId) + "/send/m.room.message/" + Escape(txnId);
        var response = Parse(await SendAsync(HttpMethod.Put, path, content, user.AccessToken, endpoint, ct), endpoint);
        return RequireString(response, "event_id", endpoint);
    }

    /// <summary>One /sync; returns the raw body so callers can count bytes and parse what they need.</summary>
    public async Task<byte[]> SyncAsync(LoadUser user, string? since, int timeoutMs, string? filterJson, CancellationToken ct)
    {
        const string endpoint = "GET /_matrix/client/v3/sync";
        var query = new StringBuilder(V3).Append("sync?timeout=").Append(timeoutMs.ToString(CultureInfo.InvariantCulture));
        if (since is not null)
        {
            query.Append("&since=").Append(Uri.EscapeDataString(since));
        }
        if (filterJson is not null)
        {
            query.Append("&filter=").Append(Uri.EscapeDataString(filterJson));
        }
        var response = await SendAsync(HttpMethod.Get, query.ToString(), null, user.AccessToken, endpoint, ct);
        return response.Body;
    }

    /// <summary>spec: client-server "GET /_matrix/client/v3/rooms/{roomId}/joined_members": the joined user IDs.</summary>
    public async Task<IReadOnlyCollection<string>> GetJoinedMembersAsync(LoadUser user, string roomId, CancellationToken ct)
    {
        const string endpoint = "GET /_matrix/client/v3/rooms/{roomId}/joined_members";
        var response = Parse(await SendAsync(HttpMethod.Get, V3 + "rooms/" + Escape(roomId) + "/joined_members", null, user.AccessToken, endpoint, ct), endpoint);
        if (!response.TryGetProperty("joined", out var joined) || joined.ValueKind != JsonValueKind.Object)
        {
            throw new MatrixRequestException(endpoint, 200, "BAD_RESPONSE", "the response has no 'joined' object");
        }
        var members = new List<string>();
        foreach (var member in joined.EnumerateObject())
        {
            members.Add(member.Name);
        }
        return members;
    }

    /// <summary>The response to one request: its status and body.</summary>
    public readonly record struct RawResponse(int Status, byte[] Body);

    /// <summary>POST /_matrix/media/v3/upload: returns the <c>mxc://</c> URI.</summary>
    public async Task<string> UploadMediaAsync(LoadUser user, byte[] content, string contentType, CancellationToken ct)
    {
        const string endpoint = "POST /_matrix/media/v3/upload";
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var response = Parse(await SendContentAsync(HttpMethod.Post, "_matrix/media/v3/upload", body, user.AccessToken, endpoint, ct), endpoint);
        return response.GetProperty("content_uri").GetString()!;
    }

    /// <summary>GET /_matrix/client/v1/media/download (or /thumbnail with <paramref name="thumbnailQuery"/>) of an <c>mxc://</c> URI: the bytes.</summary>
    public async Task<byte[]> DownloadMediaAsync(LoadUser user, string mxcUri, string? thumbnailQuery, CancellationToken ct)
    {
        string serverAndId = mxcUri["mxc://".Length..];
        string endpoint = thumbnailQuery is null ? "GET /_matrix/client/v1/media/download" : "GET /_matrix/client/v1/media/thumbnail";
        string path = thumbnailQuery is null ? $"_matrix/client/v1/media/download/{serverAndId}" : $"_matrix/client/v1/media/thumbnail/{serverAndId}?{thumbnailQuery}";
        return (await SendContentAsync(HttpMethod.Get, path, null, user.AccessToken, endpoint, ct)).Body;
    }

    /// <summary>Sends one request; non-2xx answers (other than <paramref name="allowStatus"/>) become <see cref="MatrixRequestException"/>.</summary>
    public Task<RawResponse> SendAsync(HttpMethod method, string relativePath, JsonNode? body, string? accessToken, string endpoint, CancellationToken ct, int allowStatus = 0)
    {
        ByteArrayContent? content = null;
        if (body is not null)
        {
            content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
            content.Headers.ContentType = JsonContentType;
        }
        return SendContentAsync(method, relativePath, content, accessToken, endpoint, ct, allowStatus);
    }

    private async Task<RawResponse> SendContentAsync(HttpMethod method, string relativePath, HttpContent? content, string? accessToken, string endpoint,
        CancellationToken ct, int allowStatus = 0)
    {
        budget.Take();
        using var request = new HttpRequestMessage(method, relativePath) { Content = content };
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }
        byte[] bytes;
        int status;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            status = (int)response.StatusCode;
            bytes = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (TaskCanceledException e)
        {
            budget.CountError();
            throw new MatrixRequestException(endpoint, 0, "TIMEOUT", "no response within the client timeout", null, e);
        }
        catch (HttpRequestException e)
        {
            budget.CountError();
            throw new MatrixRequestException(endpoint, 0, "NETWORK", e.Message, null, e);
        }
        if (status is >= 200 and < 300 || status == allowStatus)
        {
            return new RawResponse(status, bytes);
        }
        budget.CountError();
        throw ErrorFrom(endpoint, status, bytes);
    }

    /// <summary>Reads a Matrix error body (<c>{errcode, error, retry_after_ms}</c>); a body that is not one is reported by its HTTP status.</summary>
    public static MatrixRequestException ErrorFrom(string endpoint, int status, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errcode", out var errcode) && errcode.ValueKind == JsonValueKind.String)
            {
                string error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
                long? retry = root.TryGetProperty("retry_after_ms", out var r) && r.TryGetInt64(out long ms) ? ms : null;
                return new MatrixRequestException(endpoint, status, errcode.GetString()!, error, retry);
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, an empty 404): fall through to the status.
        }
        return new MatrixRequestException(endpoint, status, "HTTP_" + status.ToString(CultureInfo.InvariantCulture), Truncate(body));
    }

    private static bool OffersDummyFlow(JsonElement challenge)
    {
        if (!challenge.TryGetProperty("flows", out var flows) || flows.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        foreach (var flow in flows.EnumerateArray())
        {
            if (flow.TryGetProperty("stages", out var stages) && stages.ValueKind == JsonValueKind.Array
                && stages.GetArrayLength() == 1 && stages[0].ValueKind == JsonValueKind.String && stages[0].GetString() == "m.login.dummy")
            {
                return true;
            }
        }
        return false;
    }

    private static JsonElement Parse(RawResponse response, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new MatrixRequestException(endpoint, response.Status, "BAD_RESPONSE", "the response body is not a JSON object");
            }
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new MatrixRequestException(endpoint, response.Status, "BAD_RESPONSE", "the response body is not JSON: " + e.Message);
        }
    }

    private static LoadUser UserFrom(JsonElement response, string password, string endpoint) =>
        new(RequireString(response, "user_id", endpoint), RequireString(response, "access_token", endpoint), password);

    private static string RequireString(JsonElement response, string property, string endpoint) =>
        response.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new MatrixRequestException(endpoint, 200, "BAD_RESPONSE", $"the response has no string '{property}'");

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string Truncate(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return body.Length > 300 ? text + "..." : text;
    }
}
