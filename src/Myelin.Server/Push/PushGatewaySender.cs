using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Discovery;
using Myelin.Server.Notifications;
using Myelin.Storage;
using Myelin.Storage.Push;

namespace Myelin.Server.Push;

/// <summary>
/// Delivers the durable push queue to push gateways: one request per queued (pusher, event), retried with exponential
/// backoff when the gateway fails, dropped after <see cref="PushConfig.GiveUpAfter"/>; pushkeys the gateway reports
/// as <c>rejected</c> lose their pusher. The queue lives in the database, so pushes survive a restart.
/// spec: push-gateway "Homeserver behaviour" ("SHOULD retry ... using exponential backoff"), push_notifier.yaml "rejected".
/// </summary>
public sealed partial class PushGatewaySender : BackgroundService
{
    private const int BatchSize = 200;
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(30);

    private readonly MyelinDatabase _database;
    private readonly PushNotificationBuilder _builder;
    private readonly PushConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger<PushGatewaySender> _logger;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _lastPruneTs;

    public PushGatewaySender(MyelinDatabase database, PushNotificationBuilder builder, UnreadCounter unread, MyelinConfig config,
        TimeProvider time, ILogger<PushGatewaySender> logger)
    {
        _database = database;
        _builder = builder;
        _config = config.Push;
        _time = time;
        _logger = logger;
        var filter = new OutboundIpFilter(config);
        var dns = new SystemFederationDns();
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            // Gateways are reached only at addresses ip_range_blacklist allows (checked after DNS).
            ConnectCallback = (context, cancellationToken) => filter.ConnectAsync(context.DnsEndPoint, dns, cancellationToken),
        })
        { Timeout = _config.RequestTimeout };
        unread.NotificationsRecorded += Wake;
    }

    /// <summary>Makes the sender look at the queue now (new pushes were queued).</summary>
    public void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_config.Enabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await PruneHistoryAsync(stoppingToken);
                long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var due = await _database.Pushers.GetDueAsync(now, BatchSize, stoppingToken);
                if (due.Count > 0)
                {
                    await DeliverAsync(due, stoppingToken);
                    continue;
                }
                long? next = await _database.Pushers.GetNextDueTsAsync(stoppingToken);
                wait = next is { } nextTs ? TimeSpan.FromMilliseconds(Math.Clamp(nextTs - now, 0, (long)IdlePoll.TotalMilliseconds)) : IdlePoll;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the sender must outlive a transient database error
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogLoopFailed(_logger, e);
                wait = TimeSpan.FromSeconds(5);
            }
            try
            {
                await _wake.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Sends a batch: pushers in parallel, each pusher's pushes in queue order.</summary>
    private Task DeliverAsync(IReadOnlyList<PushQueueEntry> due, CancellationToken cancellationToken)
    {
        var perPusher = due.GroupBy(e => (e.Pusher.UserId, e.Pusher.AppId, e.Pusher.Pushkey)).Select(g => g.ToList()).ToList();
        return Parallel.ForEachAsync(perPusher, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (entries, ct) =>
            {
                for (int i = 0; i < entries.Count; i++)
                {
                    var (delivered, retryAt) = await DeliverOneAsync(entries[i], ct);
                    if (delivered)
                    {
                        continue;
                    }
                    // The gateway failed: its other pushes wait for the same retry instead of each failing now.
                    for (int j = i + 1; retryAt is { } at && j < entries.Count; j++)
                    {
                        await _database.Pushers.PostponeAsync(entries[j].Id, entries[j].Attempts, at, "waiting for the gateway to recover", ct);
                    }
                    break;
                }
            });
    }

    /// <summary>
    /// Delivers (or drops) one push. Not delivered: the pusher was removed (no retry time) or the gateway failed
    /// (the push is postponed to the returned time).
    /// </summary>
    private async Task<(bool Delivered, long? RetryAt)> DeliverOneAsync(PushQueueEntry entry, CancellationToken cancellationToken)
    {
        var pusher = entry.Pusher;
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!entry.IsUnread)
        {
            // A read receipt covered the event before it could be pushed: alerting now would be noise.
            await _database.Pushers.CompleteAsync(entry.Id, cancellationToken);
            return (true, null);
        }
        if (now - entry.CreatedTs > (long)_config.GiveUpAfter.TotalMilliseconds)
        {
            LogGaveUp(_logger, entry.EventId.Value, pusher.UserId.Value, pusher.AppId, entry.Attempts);
            await _database.Pushers.CompleteAsync(entry.Id, cancellationToken);
            return (true, null);
        }
        var body = await _builder.BuildAsync(entry, cancellationToken);
        if (body is null)
        {
            await _database.Pushers.CompleteAsync(entry.Id, cancellationToken);
            return (true, null);
        }
        string? url = JsonNode.Parse(pusher.Data)?["url"]?.GetValue<string>();
        string error;
        try
        {
            using var response = await _http.PostAsJsonAsync(url, body, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                if (await IsRejectedAsync(response, pusher.Pushkey, cancellationToken))
                {
                    // spec: "Homeservers must cease sending notification requests for these pushkeys and remove the associated pushers."
                    LogRejected(_logger, pusher.UserId.Value, pusher.AppId);
                    await _database.Pushers.DeleteAsync(pusher.UserId, pusher.AppId, pusher.Pushkey, cancellationToken);
                    return (false, null);
                }
                await _database.Pushers.CompleteAsync(entry.Id, cancellationToken);
                return (true, null);
            }
            error = $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or SocketException)
        {
            error = e.Message;
        }
        int attempts = entry.Attempts + 1;
        double backoffMs = Math.Min(_config.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempts - 1), _config.MaxBackoff.TotalMilliseconds);
        LogRetry(_logger, pusher.UserId.Value, pusher.AppId, error, attempts, backoffMs);
        long retryAt = now + (long)backoffMs;
        await _database.Pushers.PostponeAsync(entry.Id, attempts, retryAt, error, cancellationToken);
        return (false, retryAt);
    }

    private static async Task<bool> IsRejectedAsync(HttpResponseMessage response, string pushkey, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Array
                && rejected.EnumerateArray().Any(k => k.ValueKind == JsonValueKind.String && k.ValueEquals(pushkey));
        }
        catch (JsonException)
        {
            return false; // a 2xx without a readable body still delivered the push
        }
    }

    /// <summary>Drops old /notifications history about once an hour.</summary>
    private async Task PruneHistoryAsync(CancellationToken cancellationToken)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - _lastPruneTs < 3_600_000)
        {
            return;
        }
        _lastPruneTs = now;
        await _database.Notifications.PruneNotificationsAsync(now - (long)_config.NotificationRetention.TotalMilliseconds, cancellationToken);
    }

    public override void Dispose()
    {
        _http.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Push sender loop failed; retrying shortly")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Push gateway of {UserId} ({AppId}) failed: {Error}; attempt {Attempts}, next in {BackoffMs} ms")]
    private static partial void LogRetry(ILogger logger, string userId, string appId, string error, int attempts, double backoffMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up pushing {EventId} to {UserId} ({AppId}) after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string eventId, string userId, string appId, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Push gateway rejected the pushkey of {UserId} ({AppId}); pusher removed")]
    private static partial void LogRejected(ILogger logger, string userId, string appId);
}
