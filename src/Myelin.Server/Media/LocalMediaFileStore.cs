using System.Security.Cryptography;

namespace Myelin.Server.Media;

/// <summary>
/// Media files under <c>media_store_path</c>: <c>content/ab/cd/abcdef…</c> by SHA-256. Writes go to a temp file in the
/// same directory, are fsynced, then renamed into place, so a crash never leaves a partial file under a digest name.
/// </summary>
public sealed class LocalMediaFileStore : IMediaFileStore
{
    private readonly string _root;
    private readonly string _incoming;

    public LocalMediaFileStore(string mediaStorePath)
    {
        _root = Path.Combine(Path.GetFullPath(mediaStorePath), "content");
        _incoming = Path.Combine(_root, "incoming");
        Directory.CreateDirectory(_incoming);
    }

    public async Task<StoredMediaFile> WriteAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        string temp = Path.Combine(_incoming, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            string digest;
            long length = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                byte[] buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    length += read;
                    if (length > maxBytes)
                    {
                        throw new MediaTooLargeException(maxBytes);
                    }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
                digest = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            string final = PathFor(digest);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            // Same digest, same bytes: replacing an existing file is harmless and keeps it present even if an admin
            // deleted the last other reference meanwhile. Temp and target share a filesystem, so the rename is atomic.
            File.Move(temp, final, overwrite: true);
            return new StoredMediaFile(digest, length);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public Stream? OpenRead(string sha256)
    {
        string path = PathFor(sha256);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Delete(string sha256) => File.Delete(PathFor(sha256));

    private string PathFor(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not a lower-case SHA-256 hex digest.", nameof(sha256));
        }
        return Path.Combine(_root, sha256[..2], sha256[2..4], sha256);
    }
}
