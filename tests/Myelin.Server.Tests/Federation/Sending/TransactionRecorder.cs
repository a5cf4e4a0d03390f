using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Myelin.Protocol.Events;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Server.Tests.Federation.Sending;

/// <summary>
/// A <c>PUT /_matrix/federation/v1/send/{txnId}</c> endpoint for a test server that records every attempt and answers
/// as told: 200 (optionally with a per-PDU error), or 503 while <see cref="Failing"/> / for the next
/// <see cref="FailNext"/> attempts. Mapped with a lower order than the server's own /send, so it wins.
/// </summary>
public sealed class TransactionRecorder
{
    private readonly ConcurrentQueue<RecordedTransaction> _attempts = new();
    private int _failNext;
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>Every attempt in arrival order, failed ones included.</summary>
    public IReadOnlyList<RecordedTransaction> Attempts => _attempts.ToArray();

    /// <summary>The attempts answered 200.</summary>
    public IReadOnlyList<RecordedTransaction> Accepted => _attempts.Where(a => a.Accepted).ToArray();

    /// <summary>The PDUs of accepted transactions in order, as JSON objects.</summary>
    public IReadOnlyList<JsonObject> AcceptedPdus => Accepted.SelectMany(a => a.Pdus).ToArray();

    public IReadOnlyList<JsonObject> AcceptedEdus => Accepted.SelectMany(a => a.Edus).ToArray();

    public bool Failing { get; set; }

    public int FailNext { get => Volatile.Read(ref _failNext); set => Volatile.Write(ref _failNext, value); }

    /// <summary>How long each answer takes (to see that only one transaction is in flight).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Event IDs answered with a per-PDU error.</summary>
    public ConcurrentDictionary<string, string> PduErrors { get; } = new();

    /// <summary>The most requests that were being answered at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public void Map(IEndpointRouteBuilder app) =>
        app.MapPut("/_matrix/federation/v1/send/{txnId}", HandleAsync).WithOrder(-1);

    private async Task<IResult> HandleAsync(HttpContext context, string txnId)
    {
        int now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
        {
        }
        try
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }
            bool fail = Failing || Interlocked.Decrement(ref _failNext) >= 0;
            if (!fail)
            {
                Interlocked.Exchange(ref _failNext, 0);
            }
            _attempts.Enqueue(new RecordedTransaction(txnId, context.Request.Headers.Authorization.ToString(), body, !fail, DateTimeOffset.UtcNow));
            if (fail)
            {
                return Results.Json(new { errcode = "M_UNKNOWN", error = "Failing on purpose." }, statusCode: 503);
            }
            var results = new JsonObject();
            foreach (var pdu in body["pdus"]!.AsArray())
            {
                string id = EventIdOf(pdu!.AsObject());
                results[id] = PduErrors.TryGetValue(id, out var error) ? new JsonObject { ["error"] = error } : new JsonObject();
            }
            return Results.Json(new JsonObject { ["pdus"] = results });
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The room version the PDUs are parsed with to learn their event IDs (v3+ PDUs do not carry one).</summary>
    public RoomVersion RoomVersion { get; set; } = KnownRoomVersions.Default;

    public string EventIdOf(JsonObject pdu) =>
        PduParser.Parse(System.Text.Encoding.UTF8.GetBytes(pdu.ToJsonString()), RoomVersion).EventId.Value;
}

public sealed record RecordedTransaction(string TxnId, string Authorization, JsonObject Body, bool Accepted, DateTimeOffset ReceivedAt)
{
    public IReadOnlyList<JsonObject> Pdus => Body["pdus"]!.AsArray().Select(p => p!.AsObject()).ToArray();

    public IReadOnlyList<JsonObject> Edus => Body["edus"]?.AsArray().Select(e => e!.AsObject()).ToArray() ?? [];
}
