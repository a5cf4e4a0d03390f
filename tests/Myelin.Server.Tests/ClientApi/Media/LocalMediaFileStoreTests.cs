using System.Security.Cryptography;
using Myelin.Server.Media;

namespace Myelin.Server.Tests.ClientApi.Media;

public sealed class LocalMediaFileStoreTests : IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("myelin-media-store-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Content_is_stored_by_sha256_and_deduplicated()
    {
        var store = new LocalMediaFileStore(_dir);
        byte[] content = RandomNumberGenerator.GetBytes(200_000);

        var first = await store.WriteAsync(new MemoryStream(content), 1_000_000, CancellationToken.None);
        var second = await store.WriteAsync(new MemoryStream(content), 1_000_000, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), first.Sha256);
        Assert.Equal(content.Length, first.Length);
        Assert.Equal(first, second);
        Assert.Single(System.IO.Directory.GetFiles(Path.Combine(_dir, "content"), first.Sha256, SearchOption.AllDirectories));
        Assert.Empty(System.IO.Directory.GetFiles(Path.Combine(_dir, "content", "incoming")));
        await using (var read = store.OpenRead(first.Sha256))
        {
            var copy = new MemoryStream();
            await read!.CopyToAsync(copy);
            Assert.Equal(content, copy.ToArray());
        }

        store.Delete(first.Sha256);
        Assert.Null(store.OpenRead(first.Sha256));
    }

    [Fact]
    public async Task Too_large_content_leaves_no_file_behind()
    {
        var store = new LocalMediaFileStore(_dir);
        var e = await Assert.ThrowsAsync<MediaTooLargeException>(() => store.WriteAsync(new MemoryStream(new byte[101]), 100, CancellationToken.None));
        Assert.Equal(100, e.Limit);
        Assert.Empty(System.IO.Directory.GetFiles(Path.Combine(_dir, "content"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Only_sha256_digests_address_files()
    {
        var store = new LocalMediaFileStore(_dir);
        Assert.Throws<ArgumentException>(() => store.OpenRead("../../etc/passwd"));
        Assert.Throws<ArgumentException>(() => store.OpenRead(new string('A', 64)));
        Assert.Null(store.OpenRead(new string('a', 64)));
    }
}
