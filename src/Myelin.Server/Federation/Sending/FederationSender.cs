using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;
using Myelin.Server.Federation.Client;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Rooms;
using Myelin.Storage;

namespace Myelin.Server.Federation.Sending;

/// <summary>
/// Outbound federation: one queue per destination, one transaction in flight per destination, at most 50 PDUs and
/// 100 EDUs per transaction, retried with the same transaction ID until the destination answers 200, with exponential
/// backoff per destination. PDUs and durable EDUs are persisted (<see cref="MyelinDatabase.FederationOutbox"/>) and
/// only removed once acknowledged, so a restart loses nothing; ephemeral EDUs live in memory.
/// Local events are queued automatically (<see cref="RoomEventWriter.EventPersisted"/>) for every other server with a
/// joined member in the room. spec: server-server "Transactions", "PDUs", "EDUs".
/// </summary>
public sealed partial class FederationSender : IFederationSender, IHostedService
{
    /// <summary>spec: server-server "Transactions": "at most 50 PDUs and 100 EDUs".</summary>
    public const int MaxPdusPerTransaction = 50;
    public const int MaxEdusPerTransaction = 100;

    /// <summary>A destination whose backoff reaches this (or the maximum backoff) loses its queued ephemeral EDUs.</summary>
    public static readonly TimeSpan EphemeralDropBackoff = TimeSpan.FromMinutes(1);

    private readonly MyelinDatabase _database;
    private readonly RoomEvents _events;
    private readonly RoomServers _roomServers;
    private readonly FederationClient _client;
    private readonly MyelinConfig _config;
    private readonly FederationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FederationSender> _logger;
    private readonly ConcurrentDictionary<ServerName, DestinationQueue> _queues = new();
    private readonly CancellationTokenSource _stopping = new();

    public FederationSender(MyelinDatabase database, RoomEvents events, RoomEventWriter writer, RoomServers roomServers, FederationClient client,
        MyelinConfig config, FederationOptions options, TimeProvider time, ILogger<FederationSender> logger)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _database = database;
        _events = events;
        _roomServers = roomServers;
        _client = client;
        _config = config;
        _options = options;
        _time = time;
        _logger = logger;
        writer.EventPersisted += OnEventPersistedAsync;
    }

    /// <summary>On start every destination with queued PDUs or EDUs is retried (they were not acknowledged before the stop).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var destination in await _database.FederationOutbox.GetDestinationsAsync(cancellationToken))
        {
            if (IsFederatedWith(destination))
            {
                Poke(destination);
            }
        }
    }

    /// <summary>Stops the workers; a transaction in flight stays queued and is sent again (same ID) after the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        var workers = _queues.Values.Select(q =>
        {
            lock (q.Lock)
            {
                return q.Worker;
            }
        }).ToArray();
        await Task.WhenAll(workers).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async Task SendPduAsync(Pdu pdu, IReadOnlyCollection<ServerName> destinations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        ArgumentNullException.ThrowIfNull(destinations);
        var targets = destinations.Where(IsFederatedWith).Distinct().ToArray();
        if (targets.Length == 0)
        {
            return;
        }
        await _database.FederationOutbox.EnqueuePduAsync(pdu.EventId, pdu.RoomId, targets, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        foreach (var destination in targets)
        {
            Poke(destination);
        }
    }

    public void SendEdu(ServerName destination, string eduType, JsonElement content)
    {
        ArgumentException.ThrowIfNullOrEmpty(eduType);
        if (!IsFederatedWith(destination))
        {
            return;
        }
        var queue = GetQueue(destination);
        var edu = new QueuedEdu(eduType, content.Clone(), CoalescingKey(eduType, content));
        lock (queue.Lock)
        {
            if (edu.Key is not null)
            {
                queue.Ephemeral.RemoveAll(e => e.Key == edu.Key);
            }
            queue.Ephemeral.Add(edu);
            if (queue.Ephemeral.Count > _options.OutboundEphemeralEduLimit)
            {
                queue.Ephemeral.RemoveRange(0, queue.Ephemeral.Count - _options.OutboundEphemeralEduLimit);
            }
        }
        Poke(destination);
    }

    public async Task SendDurableEduAsync(ServerName destination, string eduType, JsonElement content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eduType);
        if (!IsFederatedWith(destination))
        {
            return;
        }
        await _database.FederationOutbox.EnqueueEduAsync(destination, eduType, content.GetRawText(), _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        Poke(destination);
    }

    public void OnServerSeen(ServerName server)
    {
        if (!_queues.TryGetValue(server, out var queue))
        {
            return;
        }
        lock (queue.Lock)
        {
            if (queue.RetryAt is null)
            {
                return;
            }
            queue.RetryAt = null;
            queue.WakeUp.TrySetResult();
        }
        LogServerSeen(_logger, server.Value);
    }

    /// <summary>The servers other than ours that have a joined member in the room now and are not denied by its server ACL.</summary>
    public async ValueTask<IReadOnlyList<ServerName>> GetRemoteServersInRoomAsync(RoomId roomId, CancellationToken cancellationToken)
    {
        var servers = await _roomServers.GetParticipatingServersAsync(roomId, cancellationToken);
        return servers.Where(s => s != _config.ServerName).ToArray();
    }

    /// <summary>
    /// A local user's event goes to every other server in the room after it, and a membership change of a remote
    /// user that takes them out of the room (kick, ban, rescinded invite) also to the user's server.
    /// </summary>
    private async ValueTask OnEventPersistedAsync(Pdu pdu, CancellationToken cancellationToken)
    {
        if (pdu.Sender.Server != _config.ServerName)
        {
            return;
        }
        bool isAcl = pdu.Type == EventTypes.ServerAcl && pdu.StateKey == "";
        var destinations = new HashSet<ServerName>(await _roomServers.GetParticipatingServersAsync(pdu.RoomId, cancellationToken, includeDenied: isAcl));
        if (pdu.Type == EventTypes.Member && UserId.TryParse(pdu.StateKey, out var target) &&
            RoomServers.MembershipOf(pdu) is Myelin.Protocol.Authorization.Membership.Leave or Myelin.Protocol.Authorization.Membership.Ban)
        {
            destinations.Add(target.Server);
        }
        destinations.Remove(_config.ServerName);
        if (destinations.Count > 0)
        {
            await SendPduAsync(pdu, destinations, cancellationToken);
        }
    }

    /// <summary>Never ourselves; only servers in <c>federation_domain_whitelist</c> when it is set.</summary>
    private bool IsFederatedWith(ServerName destination) =>
        destination != _config.ServerName &&
        (_config.FederationDomainWhitelist is not { } whitelist || whitelist.Contains(destination.Value, StringComparer.OrdinalIgnoreCase));

    private DestinationQueue GetQueue(ServerName destination) => _queues.GetOrAdd(destination, static d => new DestinationQueue(d));

    /// <summary>Makes sure a worker will look at the destination's queue (starting one if none runs).</summary>
    private void Poke(ServerName destination)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        var queue = GetQueue(destination);
        lock (queue.Lock)
        {
            queue.Dirty = true;
            if (queue.Running)
            {
                return;
            }
            queue.Running = true;
            queue.Worker = Task.Run(() => RunAsync(queue));
        }
    }

    private async Task RunAsync(DestinationQueue queue)
    {
        var stopping = _stopping.Token;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                Task? wakeUp = null;
                TimeSpan wait = TimeSpan.Zero;
                lock (queue.Lock)
                {
                    if (queue.RetryAt is { } retryAt)
                    {
                        wait = retryAt - _time.GetUtcNow();
                        wakeUp = queue.WakeUp.Task;
                    }
                }
                if (wakeUp is not null && wait > TimeSpan.Zero)
                {
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    await Task.WhenAny(Task.Delay(wait, _time, waiting.Token), wakeUp).ConfigureAwait(false);
                    await waiting.CancelAsync();
                    continue;
                }
                lock (queue.Lock)
                {
                    queue.Dirty = false;
                }
                if (!await SendNextAsync(queue, stopping))
                {
                    lock (queue.Lock)
                    {
                        if (!queue.Dirty)
                        {
                            queue.Running = false;
                            return;
                        }
                    }
                }
            }
        }
#pragma warning disable CA1031 // a worker must never die silently with items queued: log, and the next Poke restarts it
        catch (Exception e) when (!stopping.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogWorkerFailed(_logger, e, queue.Destination.Value);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        lock (queue.Lock)
        {
            queue.Running = false;
        }
    }

    /// <summary>Sends the pending transaction or builds the next one; false when there was nothing to send.</summary>
    private async Task<bool> SendNextAsync(DestinationQueue queue, CancellationToken cancellationToken)
    {
        var destination = queue.Destination;
        PendingTransaction? transaction;
        try
        {
            transaction = queue.Pending ?? await BuildTransactionAsync(queue, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogBuildFailed(_logger, e, destination.Value);
            Fail(queue);
            return true;
        }
        if (transaction is null)
        {
            return false;
        }
        queue.Pending = transaction;
        JsonElement response;
        try
        {
            response = await _client.PutAsync(destination, "/_matrix/federation/v1/send/" + Uri.EscapeDataString(transaction.TxnId), transaction.Body, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            var delay = Fail(queue);
            LogSendFailed(_logger, destination.Value, transaction.TxnId, e.Message, delay);
            return true;
        }
        if (transaction.HasDurableItems)
        {
            await _database.FederationOutbox.CompleteTransactionAsync(destination, transaction.TxnId, CancellationToken.None);
        }
        queue.Pending = null;
        lock (queue.Lock)
        {
            queue.Failures = 0;
            queue.RetryAt = null;
        }
        LogSent(_logger, destination.Value, transaction.TxnId, transaction.PduCount, transaction.EduCount);
        // spec: transactions.yaml: per-PDU errors are the receiver's verdict on each event; they are not retried.
        if (response.TryGetProperty("pdus", out var results) && results.ValueKind == JsonValueKind.Object)
        {
            foreach (var result in results.EnumerateObject())
            {
                if (result.Value.ValueKind == JsonValueKind.Object && result.Value.TryGetProperty("error", out var error))
                {
                    LogPduRefused(_logger, destination.Value, result.Name, error.ToString());
                }
            }
        }
        return true;
    }

    /// <summary>Records a failure and schedules the next attempt: initial × 2^(failures − 1), capped.</summary>
    private TimeSpan Fail(DestinationQueue queue)
    {
        lock (queue.Lock)
        {
            queue.Failures++;
            queue.CatchingUp = true;
            double factor = Math.Pow(2, Math.Min(queue.Failures - 1, 30));
            var delay = TimeSpan.FromTicks((long)Math.Min(_options.OutboundRetryInitial.Ticks * factor, _options.OutboundRetryMax.Ticks));
            queue.RetryAt = _time.GetUtcNow() + delay;
            // Typing, receipts and presence are stale by the time a long-unreachable destination is back (Synapse
            // drops them for backed-off destinations too): once the wait reaches a minute, the queued ones go.
            if (delay >= EphemeralDropBackoff || delay >= _options.OutboundRetryMax)
            {
                queue.Ephemeral.Clear();
            }
            if (queue.WakeUp.Task.IsCompleted)
            {
                queue.WakeUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            return delay;
        }
    }

    private async Task<PendingTransaction?> BuildTransactionAsync(DestinationQueue queue, CancellationToken cancellationToken)
    {
        var destination = queue.Destination;
        var outbox = _database.FederationOutbox;
        // Only a backlog left by an outage is collapsed, not a burst queued for a destination that is up.
        bool catchingUp;
        lock (queue.Lock)
        {
            catchingUp = queue.CatchingUp;
            queue.CatchingUp = false;
        }
        if (catchingUp && _options.OutboundCatchUpThreshold > 0
            && await outbox.CountPdusAsync(destination, cancellationToken) > _options.OutboundCatchUpThreshold)
        {
            long dropped = await outbox.CollapsePdusAsync(destination, cancellationToken);
            LogCollapsed(_logger, destination.Value, dropped);
        }
        string newTxnId = NewTransactionId();
        var durable = await outbox.ClaimTransactionAsync(destination, newTxnId, MaxPdusPerTransaction, MaxEdusPerTransaction, cancellationToken);
        var edus = new List<(string, JsonElement)>();
        foreach (var edu in durable?.Edus ?? [])
        {
            edus.Add((edu.EduType, JsonElement.Parse(edu.Content)));
        }
        // A transaction claimed before a restart is resent exactly as it was; ephemeral EDUs wait for the next one.
        if (durable is null || durable.TxnId == newTxnId)
        {
            lock (queue.Lock)
            {
                int take = Math.Min(MaxEdusPerTransaction - edus.Count, queue.Ephemeral.Count);
                edus.AddRange(queue.Ephemeral.Take(take).Select(e => (e.EduType, e.Content)));
                queue.Ephemeral.RemoveRange(0, take);
            }
        }
        var pdus = new List<Pdu>();
        if (durable is { Pdus.Count: > 0 })
        {
            var loaded = await _events.GetPdusAsync(durable.Pdus, cancellationToken);
            foreach (var id in durable.Pdus)
            {
                if (loaded.TryGetValue(id, out var pdu))
                {
                    pdus.Add(pdu);
                }
                else
                {
                    LogMissingEvent(_logger, id.Value, destination.Value);
                }
            }
        }
        if (durable is null && edus.Count == 0)
        {
            return null;
        }
        string txnId = durable?.TxnId ?? newTxnId;
        var body = TransactionBody.Build(_config.ServerName, _time.GetUtcNow().ToUnixTimeMilliseconds(), pdus, edus);
        return new PendingTransaction(txnId, JsonElement.Parse(body), durable is not null, pdus.Count, edus.Count);
    }

    /// <summary>Unique across restarts: the start of the transaction's time plus randomness.</summary>
    private string NewTransactionId() =>
        $"{_time.GetUtcNow().ToUnixTimeMilliseconds()}{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10)}";

    /// <summary>Ephemeral EDUs that only matter in their latest version: a user's typing in a room, a user's presence, a user's receipt.</summary>
    private static string? CoalescingKey(string eduType, JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        switch (eduType)
        {
            case EduTypes.Typing when content.TryGetProperty("room_id", out var room) && content.TryGetProperty("user_id", out var user):
                return $"{eduType}|{room}|{user}";
            case EduTypes.Presence when content.TryGetProperty("push", out var push) && push.ValueKind == JsonValueKind.Array && push.GetArrayLength() == 1
                && push[0].ValueKind == JsonValueKind.Object && push[0].TryGetProperty("user_id", out var presenceUser):
                return $"{eduType}|{presenceUser}";
            case EduTypes.Receipt when SingleProperty(content) is { } room && SingleProperty(room.Value) is { } type && SingleProperty(type.Value) is { } user:
                string? thread = user.Value.ValueKind == JsonValueKind.Object && user.Value.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                    && data.TryGetProperty("thread_id", out var t) ? t.ToString() : null;
                return $"{eduType}|{room.Name}|{type.Name}|{user.Name}|{thread}";
            default:
                return null;
        }
    }

    private static JsonProperty? SingleProperty(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        JsonProperty? single = null;
        foreach (var property in element.EnumerateObject())
        {
            if (single is not null)
            {
                return null;
            }
            single = property;
        }
        return single;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent transaction {TxnId} to {Destination}: {Pdus} PDUs, {Edus} EDUs")]
    private static partial void LogSent(ILogger logger, string destination, string txnId, int pdus, int edus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction {TxnId} to {Destination} failed ({Reason}); next attempt in {Delay}")]
    private static partial void LogSendFailed(ILogger logger, string destination, string txnId, string reason, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Destination} refused PDU {EventId}: {Error}")]
    private static partial void LogPduRefused(ILogger logger, string destination, string eventId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Destination} made a request to us: retrying its queue now")]
    private static partial void LogServerSeen(ILogger logger, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Catch-up for {Destination}: dropped {Dropped} queued PDUs, keeping the newest per room")]
    private static partial void LogCollapsed(ILogger logger, string destination, long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued event {EventId} for {Destination} is no longer stored; skipped")]
    private static partial void LogMissingEvent(ILogger logger, string eventId, string destination);

    [LoggerMessage(Level = LogLevel.Error, Message = "Building a transaction for {Destination} failed")]
    private static partial void LogBuildFailed(ILogger logger, Exception exception, string destination);

    [LoggerMessage(Level = LogLevel.Error, Message = "The sender for {Destination} stopped unexpectedly")]
    private static partial void LogWorkerFailed(ILogger logger, Exception exception, string destination);
}
