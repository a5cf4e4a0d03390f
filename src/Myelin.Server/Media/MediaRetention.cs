using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Storage;

namespace Myelin.Server.Media;

/// <summary>
/// The media repository's periodic clean-up: deletes async uploads whose reservation expired unused (spec:
/// content-repo.yaml POST /media/v1/create "unused_expires_at") and bounds the remote media cache
/// (<see cref="RemoteMediaCache.EvictAsync"/>).
/// </summary>
public sealed partial class MediaRetention : BackgroundService
{
    /// <summary>How often the sweep runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private readonly MyelinDatabase _db;
    private readonly RemoteMediaCache _remote;
    private readonly TimeProvider _time;
    private readonly ILogger<MediaRetention> _logger;

    public MediaRetention(MyelinDatabase db, RemoteMediaCache remote, TimeProvider time, ILogger<MediaRetention> logger)
    {
        _db = db;
        _remote = remote;
        _time = time;
        _logger = logger;
    }

    /// <summary>One sweep: returns the number of expired pending uploads deleted and of cached remote files evicted.</summary>
    public async Task<(int ExpiredUploads, int EvictedFiles)> SweepAsync(CancellationToken ct)
    {
        int expired = await _db.Media.DeleteExpiredPendingAsync(_time.GetUtcNow().ToUnixTimeMilliseconds(), ct);
        int evicted = await _remote.EvictAsync(ct);
        if (expired > 0 || evicted > 0)
        {
            LogSwept(expired, evicted);
        }
        return (expired, evicted);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Media retention: deleted {Expired} expired pending uploads, evicted {Evicted} cached remote files")]
    private partial void LogSwept(int expired, int evicted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Media retention sweep failed")]
    private partial void LogSweepFailed(Exception exception);
}
