using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Federation.Acl;
using Myelin.Server.Federation.Edus;
using Myelin.Server.Federation.Events;
using Myelin.Server.Http;
using Myelin.Storage;

namespace Myelin.Server.Federation.Transactions;

/// <summary>
/// Processes transactions other servers push with <c>PUT /_matrix/federation/v1/send/{txnId}</c>: each PDU through
/// <see cref="FederationEventHandler"/> (in order within a room, rooms in parallel, the room's server ACL applied),
/// each EDU to the <see cref="IEduHandler"/>s of its type. A transaction is processed once: its response is stored
/// per (origin, txnId) and a retry — also a concurrent one — gets the same answer. spec: server-server "Transactions".
/// </summary>
public sealed partial class IncomingTransactions
{
    /// <summary>spec: server-server "Transactions": at most 50 PDUs and 100 EDUs.</summary>
    public const int MaxPdus = 50;

    public const int MaxEdus = 100;

    /// <summary>How long a transaction's response is kept for retries (Synapse keeps them a day).</summary>
    private static readonly TimeSpan ResponseRetention = TimeSpan.FromDays(1);

    private readonly FederationEventHandler _events;
    private readonly RoomServerAclCheck _acls;
    private readonly ILookup<string, IEduHandler> _eduHandlers;
    private readonly MyelinDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger<IncomingTransactions> _logger;
    private readonly ConcurrentDictionary<(ServerName Origin, string TransactionId), Lazy<Task<JsonObject>>> _inFlight = new();
    private long _lastPruneTs;

    public IncomingTransactions(FederationEventHandler events, RoomServerAclCheck acls, IEnumerable<IEduHandler> eduHandlers, MyelinDatabase database,
        TimeProvider time, ILogger<IncomingTransactions> logger)
    {
        _events = events;
        _acls = acls;
        _eduHandlers = eduHandlers.ToLookup(h => h.EduType, StringComparer.Ordinal);
        _database = database;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Validates and processes a transaction (or returns the stored response to an earlier one with the same ID).
    /// Throws <c>M_BAD_JSON</c> (400) for a body that is not a transaction, <c>M_FORBIDDEN</c> (403) when its
    /// <c>origin</c> is not the server that signed the request.
    /// </summary>
    public async Task<JsonObject> ReceiveAsync(ServerName origin, string transactionId, JsonElement body, CancellationToken cancellationToken)
    {
        var transaction = Parse(origin, body);
        var key = (origin, transactionId);
        var processing = _inFlight.GetOrAdd(key, _ => new Lazy<Task<JsonObject>>(() => ProcessOnceAsync(origin, transactionId, transaction)));
        // Once done, later retries read the stored response (the entry is only removed if it is still this run's).
        _ = processing.Value.ContinueWith(_ => _inFlight.TryRemove(new KeyValuePair<(ServerName, string), Lazy<Task<JsonObject>>>(key, processing)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        // Processing goes on if the sender gives up: its retry is answered from the stored response.
        var response = await processing.Value.WaitAsync(cancellationToken);
        return (JsonObject)response.DeepClone();
    }

    private sealed record Transaction(IReadOnlyList<JsonElement> Pdus, IReadOnlyList<JsonElement> Edus);

    /// <summary>spec: transactions.yaml / definitions/transaction.yaml: origin, origin_server_ts, pdus (≤ 50), edus (≤ 100).</summary>
    private static Transaction Parse(ServerName origin, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw MatrixException.BadJson("The transaction must be a JSON object.");
        }
        if (!body.TryGetProperty("origin", out var originProperty) || originProperty.ValueKind != JsonValueKind.String)
        {
            throw MatrixException.BadJson("origin is required and must be a string.");
        }
        if (!ServerName.TryParse(originProperty.GetString(), out var claimed) || claimed != origin)
        {
            throw MatrixException.Forbidden($"The transaction's origin '{originProperty.GetString()}' is not the server that signed the request ({origin}).");
        }
        if (!body.TryGetProperty("origin_server_ts", out var ts) || ts.ValueKind != JsonValueKind.Number || !ts.TryGetInt64(out _))
        {
            throw MatrixException.BadJson("origin_server_ts is required and must be an integer.");
        }
        if (!body.TryGetProperty("pdus", out var pdus) || pdus.ValueKind != JsonValueKind.Array)
        {
            throw MatrixException.BadJson("pdus is required and must be an array.");
        }
        if (pdus.GetArrayLength() > MaxPdus)
        {
            throw MatrixException.BadJson($"A transaction may carry at most {MaxPdus} PDUs; this one has {pdus.GetArrayLength()}.");
        }
        if (pdus.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.Object))
        {
            throw MatrixException.BadJson("Every item of pdus must be a JSON object.");
        }
        IReadOnlyList<JsonElement> edus = [];
        if (body.TryGetProperty("edus", out var edusProperty) && edusProperty.ValueKind != JsonValueKind.Null)
        {
            if (edusProperty.ValueKind != JsonValueKind.Array)
            {
                throw MatrixException.BadJson("edus must be an array.");
            }
            if (edusProperty.GetArrayLength() > MaxEdus)
            {
                throw MatrixException.BadJson($"A transaction may carry at most {MaxEdus} EDUs; this one has {edusProperty.GetArrayLength()}.");
            }
            edus = [.. edusProperty.EnumerateArray()];
        }
        return new Transaction([.. pdus.EnumerateArray()], edus);
    }

    private async Task<JsonObject> ProcessOnceAsync(ServerName origin, string transactionId, Transaction transaction)
    {
        // Off the request's thread and token: the work completes and is stored even if the sender disconnects.
        await Task.Yield();
        var cancellationToken = CancellationToken.None;
        if (await _database.FederationTransactions.GetResponseAsync(origin, transactionId, cancellationToken) is { } stored)
        {
            return JsonNode.Parse(stored)!.AsObject();
        }

        var results = await ProcessPdusAsync(origin, transaction.Pdus, cancellationToken);
        await DispatchEdusAsync(origin, transaction.Edus, cancellationToken);

        var pdus = new JsonObject();
        foreach (var (eventId, error) in results)
        {
            pdus[eventId.Value] = error is null ? new JsonObject() : new JsonObject { ["error"] = error };
        }
        var response = new JsonObject { ["pdus"] = pdus };
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await _database.FederationTransactions.StoreResponseAsync(origin, transactionId, response.ToJsonString(), now, cancellationToken);
        if (now - Interlocked.Read(ref _lastPruneTs) > TimeSpan.FromHours(1).TotalMilliseconds)
        {
            Interlocked.Exchange(ref _lastPruneTs, now);
            await _database.FederationTransactions.DeleteReceivedBeforeAsync(now - (long)ResponseRetention.TotalMilliseconds, cancellationToken);
        }
        return response;
    }

    /// <summary>PDUs of one room in the order sent, rooms in parallel; one result per PDU whose event ID is known.</summary>
    private async Task<List<(EventId EventId, string? Error)>> ProcessPdusAsync(ServerName origin, IReadOnlyList<JsonElement> pdus, CancellationToken cancellationToken)
    {
        var identified = new List<(int Index, RoomId? Room, EventId? Event, JsonElement Pdu)>();
        for (int i = 0; i < pdus.Count; i++)
        {
            var (room, eventId) = await _events.IdentifyAsync(pdus[i], cancellationToken);
            identified.Add((i, room, eventId, pdus[i]));
        }
        var outcomes = new (EventId? EventId, string? Error)[pdus.Count];
        var byRoom = identified.GroupBy(p => p.Room?.Value ?? "", StringComparer.Ordinal);
        await Task.WhenAll(byRoom.Select(async room =>
        {
            foreach (var (index, roomId, eventId, pdu) in room)
            {
                outcomes[index] = await ProcessPduAsync(origin, roomId, eventId, pdu, cancellationToken);
            }
        }));
        var results = new List<(EventId, string?)>();
        foreach (var (eventId, error) in outcomes)
        {
            if (eventId is { } id)
            {
                results.Add((id, error));
            }
        }
        return results;
    }

    private async Task<(EventId? EventId, string? Error)> ProcessPduAsync(ServerName origin, RoomId? roomId, EventId? eventId, JsonElement pdu, CancellationToken cancellationToken)
    {
        try
        {
            // spec: server-server "Server Access Control Lists (ACLs)": PDUs from a denied origin are ignored.
            if (roomId is { } room && !await _acls.IsAllowedAsync(room, origin, cancellationToken))
            {
                return (eventId, $"Server {origin} is denied by the room's server ACL.");
            }
            var result = await _events.ReceivePduAsync(origin, pdu, cancellationToken);
            if (!result.IsHandled)
            {
                LogPduNotAccepted(_logger, result.EventId?.Value ?? "(unknown)", origin.Value, result.Outcome, result.Error);
            }
            return (result.EventId ?? eventId, result.IsHandled ? null : result.Error ?? result.Outcome.ToString());
        }
#pragma warning disable CA1031 // one PDU's failure must not fail the transaction's other PDUs (spec: the 200 is used "even in the event of one or more PDUs failing")
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogPduFailed(_logger, e, eventId?.Value ?? "(unknown)", origin.Value);
            return (eventId, "Internal error while processing the event.");
        }
    }

    /// <summary>Each EDU to every handler of its type; unknown types and malformed EDUs are ignored, handler failures logged.</summary>
    private async Task DispatchEdusAsync(ServerName origin, IReadOnlyList<JsonElement> edus, CancellationToken cancellationToken)
    {
        foreach (var edu in edus)
        {
            if (edu.ValueKind != JsonValueKind.Object || !edu.TryGetProperty("edu_type", out var typeProperty) || typeProperty.ValueKind != JsonValueKind.String
                || !edu.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
            {
                LogMalformedEdu(_logger, origin.Value);
                continue;
            }
            string type = typeProperty.GetString()!;
            foreach (var handler in _eduHandlers[type])
            {
                try
                {
                    await handler.HandleAsync(origin, content, cancellationToken);
                }
#pragma warning disable CA1031 // an EDU has no result; a failing handler must not fail the transaction
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogEduFailed(_logger, e, type, origin.Value);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PDU {EventId} from {Origin}: {Outcome} ({Error})")]
    private static partial void LogPduNotAccepted(ILogger logger, string eventId, string origin, ReceivedPduOutcome outcome, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing PDU {EventId} from {Origin} failed")]
    private static partial void LogPduFailed(ILogger logger, Exception exception, string eventId, string origin);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored a malformed EDU from {Origin}")]
    private static partial void LogMalformedEdu(ILogger logger, string origin);

    [LoggerMessage(Level = LogLevel.Error, Message = "The handler of EDU type {EduType} from {Origin} failed")]
    private static partial void LogEduFailed(ILogger logger, Exception exception, string eduType, string origin);
}
