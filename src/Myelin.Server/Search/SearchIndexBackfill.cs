using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Storage;

namespace Myelin.Server.Search;

/// <summary>
/// Indexes, in the background after start-up, the events persisted before the search index existed (migration 0013);
/// events persisted since are indexed in their own transaction. Idempotent: a restart resumes where it stopped.
/// </summary>
public sealed partial class SearchIndexBackfill(MyelinDatabase database, ILogger<SearchIndexBackfill> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long total = 0;
        try
        {
            int indexed;
            while ((indexed = await database.Search.BackfillAsync(BatchSize, stoppingToken)) > 0)
            {
                total += indexed;
                // Leave room for request traffic between batches.
                await Task.Delay(TimeSpan.FromMilliseconds(50), stoppingToken);
            }
            if (total > 0)
            {
                LogDone(logger, total);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Resumes at the next start.
        }
#pragma warning disable CA1031 // a failed backfill must not stop the server; it resumes at the next start
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(logger, e, total);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search index backfill done: {Count} older events examined")]
    private static partial void LogDone(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Search index backfill failed after {Count} events; it resumes at the next start")]
    private static partial void LogFailed(ILogger logger, Exception exception, long count);
}
