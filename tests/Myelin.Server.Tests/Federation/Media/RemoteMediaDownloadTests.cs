using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Myelin.Server.Federation.Client;
using Myelin.Server.Media;
using Myelin.Server.Tests.ClientApi.Media;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.Media;

/// <summary>
/// Parsing of federation media answers (spec: content_repository.yaml "multipart/mixed ... exactly two parts"),
/// including a <c>Location</c> part fetched for real from another test server.
/// </summary>
public sealed class RemoteMediaDownloadTests
{
    private static HttpResponseMessage Multipart(string body, string contentType = "multipart/mixed; boundary=sep") => new(HttpStatusCode.OK)
    {
        Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } },
    };

    [Fact]
    public async Task A_location_part_is_followed_and_its_headers_describe_the_media()
    {
        await using var a = await FederatedHomeserver.StartAsync();
        await using var b = await FederatedHomeserver.StartAsync();
        var alice = await a.Server.RegisterAsync();
        byte[] png = TestImages.Png(12, 12);
        string mediaId = await alice.UploadAsync(png, "image/png", "where.png");
        // A points at its own (legacy) download URL instead of sending the bytes inline.
        string location = new Uri(a.Host.BaseAddress, $"/_matrix/media/v3/download/{a.ServerName}/{mediaId}").ToString();
        var answer = Multipart($"--sep\r\nContent-Type: application/json\r\n\r\n{{}}\r\n--sep\r\nLocation: {location}\r\n\r\n\r\n--sep--\r\n");

        await using var download = await RemoteMediaDownload.FromMultipartAsync(answer, b.Client, a.ServerName, TimeSpan.FromSeconds(15), CancellationToken.None);
        using var bytes = new MemoryStream();
        await download.Content.CopyToAsync(bytes);
        Assert.Equal(png, bytes.ToArray());
        Assert.Equal("image/png", download.ContentType);
        Assert.Equal("where.png", download.FileName);
    }

    [Fact]
    public async Task Inline_bytes_keep_their_part_headers()
    {
        var answer = Multipart("--sep\r\nContent-Type: application/json\r\n\r\n{}\r\n--sep\r\nContent-Type: text/plain\r\n" +
            "Content-Disposition: attachment; filename*=UTF-8''%C3%A9t%C3%A9.txt\r\n\r\nhello\r\n--sep--\r\n");
        await using var b = await FederatedHomeserver.StartAsync();
        await using var download = await RemoteMediaDownload.FromMultipartAsync(answer, b.Client, b.ServerName, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal("hello", await new StreamReader(download.Content).ReadToEndAsync());
        Assert.Equal(("text/plain", "été.txt"), (download.ContentType, download.FileName));
    }

    [Fact]
    public async Task Malformed_answers_are_refused()
    {
        (string ContentType, string Body)[] cases =
        [
            ("application/octet-stream", "--sep\r\n\r\n{}\r\n--sep--\r\n"),
            ("multipart/mixed", "--sep\r\n\r\n{}\r\n--sep--\r\n"),
            ("multipart/mixed; boundary=sep", "--sep\r\nContent-Type: application/json\r\n\r\n{}\r\n--sep--\r\n"),
            ("multipart/mixed; boundary=sep", "no parts at all"),
            ("multipart/mixed; boundary=sep", "--sep\r\nContent-Type: application/json\r\n\r\n{}\r\n--sep\r\nLocation: /relative\r\n\r\n\r\n--sep--\r\n"),
            ("multipart/mixed; boundary=sep", "--sep\r\nContent-Type: application/json\r\n\r\n{}\r\n--sep\r\nLocation: file:///etc/passwd\r\n\r\n\r\n--sep--\r\n"),
        ];
        await using var b = await FederatedHomeserver.StartAsync();
        foreach (var (contentType, body) in cases)
        {
            await Assert.ThrowsAsync<FederationRequestException>(() =>
                RemoteMediaDownload.FromMultipartAsync(Multipart(body, contentType), b.Client, b.ServerName, TimeSpan.FromSeconds(5), CancellationToken.None));
        }
    }
}
