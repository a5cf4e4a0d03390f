using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Myelin.Protocol.Crypto;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.Json;
using Myelin.Protocol.RoomVersions;

namespace Myelin.Benchmarks;

/// <summary>
/// The federation hot path for a typical ~1 KB m.room.message in a v11 room: canonical JSON, content hash,
/// hash-and-sign (targets: ≥ 20,000 signed events/s and ≥ 8,000 verified events/s on one core).
/// Run: dotnet run -c Release --project bench/Myelin.Benchmarks -- --filter '*ProtocolBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private readonly RoomVersion _version = KnownRoomVersions.V11;
    private SigningKey _key = null!;
    private byte[] _unsignedEvent = null!;
    private byte[] _signedEvent = null!;
    private JsonElement _unsignedRoot;
    private readonly ArrayBufferWriter<byte> _output = new(4096);

    [GlobalSetup]
    public void Setup()
    {
        _key = SigningKey.FromSeed(new byte[32], "bench");
        string body = new string('x', 420);
        string json = $$$"""
            {
              "type": "m.room.message",
              "room_id": "!Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ",
              "sender": "@alice:example.org",
              "origin_server_ts": 1700000000000,
              "depth": 1234,
              "prev_events": ["$acR1l0raoZnm60CBwAVgqbZqoO_mYU81xysh1u7XcJk"],
              "auth_events": ["$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg", "$Nhcu5BS-UMnFX7hBVfVSoXiD7OgH6iRT-xyIuqDnpYQ", "$0bS7DGWQLnxA2K3Vq1mpSHlR6dvwXyWYmSJBUzmnZcA"],
              "content": {
                "msgtype": "m.text",
                "body": "{{{body}}}",
                "format": "org.matrix.custom.html",
                "formatted_body": "<p>{{{body[..200]}}}</p>",
                "m.mentions": {"user_ids": ["@bob:example.org"]},
                "m.relates_to": {"m.in_reply_to": {"event_id": "$acR1l0raoZnm60CBwAVgqbZqoO_mYU81xysh1u7XcJk"}}
              },
              "unsigned": {"age_ts": 1700000000000}
            }
            """;
        _unsignedEvent = Encoding.UTF8.GetBytes(json);
        _unsignedRoot = JsonDocument.Parse(_unsignedEvent).RootElement;
        if (!EventSigning.TryHashAndSign(_unsignedEvent, _version, "example.org", _key, out byte[]? signed, out string? error))
        {
            throw new InvalidOperationException(error);
        }
        _signedEvent = signed;
        _signature = _key.Sign(_signedEvent.AsSpan(0, 1024));
        Console.WriteLine($"// event: {_unsignedEvent.Length} bytes unsigned, {_signedEvent.Length} bytes signed canonical");
    }

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();

    [Benchmark(Description = "canonical JSON encode (parsed event)")]
    public int CanonicalEncode()
    {
        _output.ResetWrittenCount();
        CanonicalJson.Write(_unsignedRoot, _output, strict: true);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "content hash (parsed event)")]
    public byte[] ContentHash() => EventHashing.ComputeContentHash(_unsignedRoot, _version);

    /// <summary>The full outgoing path from bytes: parse, canonical JSON + content hash, redact + sign, write signed event.</summary>
    [Benchmark(Description = "parse + hash + sign (bytes → signed bytes)")]
    public int HashAndSign()
    {
        _output.ResetWrittenCount();
        if (!CanonicalJson.TryParse(_unsignedEvent, out JsonElement root, out string? error)
            || !EventSigning.TryHashAndSign(root, _version, "example.org", _key, _output, out error))
        {
            throw new InvalidOperationException(error);
        }
        return _output.WrittenCount;
    }

    [Benchmark(Description = "Ed25519 sign only (1 KB)")]
    public byte[] SignOnly() => _key.Sign(_signedEvent.AsSpan(0, 1024));

    /// <summary>The incoming path: parse, redact + canonical JSON, verify the origin's signature.</summary>
    [Benchmark(Description = "parse + verify signature")]
    public bool Verify()
    {
        if (!CanonicalJson.TryParse(_signedEvent, out JsonElement root, out _))
        {
            return false;
        }
        return EventSigning.VerifySignature(root, _version, "example.org", _ => _key.VerifyKey).IsValid;
    }

    [Benchmark(Description = "Ed25519 verify only (1 KB)")]
    public bool VerifyOnly() => _key.VerifyKey.Verify(_signedEvent.AsSpan(0, 1024), _signature);

    private byte[] _signature = null!;

    /// <summary>Full PDU intake parse: validation, size limits, fields, reference-hash event ID.</summary>
    [Benchmark(Description = "PduParser.TryParse (v11, computes event ID)")]
    public EventId ParsePdu() =>
        PduParser.TryParse(_signedEvent, _version, out Pdu? pdu, out string? error) ? pdu.EventId : throw new InvalidOperationException(error);

    [Benchmark(Description = "content hash check (parsed signed event)")]
    public bool CheckContentHash() => EventHashing.CheckContentHash(JsonDocument.Parse(_signedEvent).RootElement, _version);
}
