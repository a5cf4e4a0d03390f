using System.Net.Http.Headers;
using System.Net.Http.Json;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Media;

/// <summary>Media requests (non-JSON bodies) for a <see cref="TestUser"/>.</summary>
internal static class MediaRequests
{
    public static Task<HttpResponseMessage> SendContentAsync(this TestUser user, HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        return user.Server.Http.SendAsync(request);
    }

    /// <summary>Uploads <paramref name="content"/> and returns its media ID.</summary>
    public static async Task<string> UploadAsync(this TestUser user, byte[] content, string contentType, string? fileName)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        string query = fileName is null ? "" : "?filename=" + Uri.EscapeDataString(fileName);
        var uploaded = await MatrixAssert.OkAsync(await user.SendContentAsync(HttpMethod.Post, "/_matrix/media/v3/upload" + query, body));
        return MediaIdOf(uploaded["content_uri"]!.GetValue<string>());
    }

    /// <summary>Reserves a media ID (async upload) and returns it.</summary>
    public static async Task<string> CreateMediaAsync(this TestUser user)
    {
        var created = await MatrixAssert.OkAsync(await user.SendContentAsync(HttpMethod.Post, "/_matrix/media/v1/create", JsonContent.Create(new { })));
        return MediaIdOf(created["content_uri"]!.GetValue<string>());
    }

    private static string MediaIdOf(string uri) => uri[(uri.LastIndexOf('/') + 1)..];
}
