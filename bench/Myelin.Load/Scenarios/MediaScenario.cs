using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;

namespace Myelin.Load.Scenarios;

/// <summary>
/// The content repository under load: W workers upload files of S bytes for the run's duration (MB/s, uploads/s,
/// latency), then download what was uploaded for the same duration (MB/s, latency, every byte checked), then one
/// photo-sized PNG is thumbnailed at T distinct sizes (cold: rendered) and again (warm: served from the cache).
/// </summary>
public sealed class MediaScenario(int workers, int sizeBytes, int thumbnailSizes) : IScenario
{
    public string Name => "media";

    public JsonObject Parameters => new() { ["workers"] = workers, ["size_bytes"] = sizeBytes, ["thumbnail_sizes"] = thumbnailSizes };

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var client = context.Client;
        context.Progress.Phase = "setup: registering";
        LoadUser[] users = await context.Users.CreateManyAsync("media", workers, context.SetupParallelism, cancellationToken);

        // Upload: each worker sends its own random payload (varied per upload, so content-addressed dedup cannot help).
        context.Progress.Phase = $"media: {workers} uploaders, {sizeBytes} bytes each";
        var uploaded = new List<(string Uri, byte[] Content)>[workers];
        var uploadLatency = new LatencyRecorder();
        double uploadSeconds = await RunForAsync(context, async (w, measured) =>
        {
            uploaded[w] = [];
            var random = new Random(w);
            while (!measured.IsCancellationRequested)
            {
                byte[] content = new byte[sizeBytes];
                random.NextBytes(content);
                long t = Stopwatch.GetTimestamp();
                try
                {
                    string uri = await client.UploadMediaAsync(users[w], content, "application/octet-stream", measured);
                    uploadLatency.RecordSince(t);
                    uploaded[w].Add((uri, content));
                }
                catch (OperationCanceledException) when (measured.IsCancellationRequested)
                {
                }
                catch (MatrixRequestException e)
                {
                    result.Errors.Add(e);
                }
            }
        }, cancellationToken);
        long uploads = uploaded.Sum(u => u.Count);
        result.Add("uploads", "uploads", uploads);
        result.Add("upload_mb_per_second", "upload throughput", uploads * (double)sizeBytes / (1024 * 1024) / uploadSeconds, "MiB/s");
        result.Add("uploads_per_second", "uploads/s", uploads / uploadSeconds, "uploads/s");
        result.AddLatency("upload_latency", "upload latency", uploadLatency.Summarize());
        var all = uploaded.SelectMany(u => u).ToArray();
        if (all.Length == 0)
        {
            result.Check("something was uploaded", false, "no upload succeeded");
            return;
        }

        // Download: workers fetch the uploaded files round-robin and compare every byte.
        context.Progress.Phase = $"media: {workers} downloaders";
        var downloadLatency = new LatencyRecorder();
        long downloads = 0;
        long mismatches = 0;
        double downloadSeconds = await RunForAsync(context, async (w, measured) =>
        {
            for (long k = w; !measured.IsCancellationRequested; k += workers)
            {
                var (uri, expected) = all[k % all.Length];
                long t = Stopwatch.GetTimestamp();
                try
                {
                    byte[] bytes = await client.DownloadMediaAsync(users[w], uri, null, measured);
                    downloadLatency.RecordSince(t);
                    Interlocked.Increment(ref downloads);
                    if (!bytes.AsSpan().SequenceEqual(expected))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
                catch (OperationCanceledException) when (measured.IsCancellationRequested)
                {
                }
                catch (MatrixRequestException e)
                {
                    result.Errors.Add(e);
                }
            }
        }, cancellationToken);
        result.Add("downloads", "downloads", downloads);
        result.Add("download_mb_per_second", "download throughput", downloads * (double)sizeBytes / (1024 * 1024) / downloadSeconds, "MiB/s");
        result.AddLatency("download_latency", "download latency", downloadLatency.Summarize());
        result.Check("downloads are byte-identical", mismatches == 0, $"{mismatches} of {downloads} differed");

        // Thumbnails of one 1600×1200 PNG: each size once rendered, then once from the cache.
        context.Progress.Phase = $"media: thumbnails at {thumbnailSizes} sizes";
        string photo = await client.UploadMediaAsync(users[0], GradientPng(1600, 1200), "image/png", cancellationToken);
        var cold = new LatencyRecorder();
        var warm = new LatencyRecorder();
        foreach (var recorder in new[] { cold, warm })
        {
            for (int i = 0; i < thumbnailSizes; i++)
            {
                int edge = 32 + (i * 8);
                long t = Stopwatch.GetTimestamp();
                try
                {
                    await client.DownloadMediaAsync(users[0], photo, $"width={edge}&height={edge}&method={(i % 2 == 0 ? "scale" : "crop")}", cancellationToken);
                    recorder.RecordSince(t);
                }
                catch (MatrixRequestException e)
                {
                    result.Errors.Add(e);
                }
            }
        }
        result.AddLatency("thumbnail_cold_latency", "thumbnail latency (rendered, 1600×1200 PNG)", cold.Summarize());
        result.AddLatency("thumbnail_warm_latency", "thumbnail latency (cached)", warm.Summarize());
    }

    private async Task<double> RunForAsync(ScenarioContext context, Func<int, CancellationToken, Task> worker, CancellationToken cancellationToken)
    {
        using var measured = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        measured.CancelAfter(context.Duration);
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => worker(w, measured.Token), CancellationToken.None)));
        cancellationToken.ThrowIfCancellationRequested();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>A truecolour PNG with a smooth gradient (compresses like a photo's large areas, decodes at full size).</summary>
    internal static byte[] GradientPng(int width, int height)
    {
        var raw = new MemoryStream();
        var row = new byte[1 + (width * 3)];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                row[1 + (x * 3)] = (byte)(x * 255 / width);
                row[2 + (x * 3)] = (byte)(y * 255 / height);
                row[3 + (x * 3)] = (byte)((x + y) % 256);
            }
            raw.Write(row);
        }
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            raw.Position = 0;
            raw.CopyTo(zlib);
        }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 2;
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    // PNG's CRC-32 (ISO 3309, reflected polynomial 0xEDB88320).
    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }
}
