using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Myelin.Load.Client;

namespace Myelin.Load.Measurement;

/// <summary>Failed requests counted by errcode (or <c>NETWORK</c>/<c>TIMEOUT</c>/<c>HTTP_nnn</c> when there was none).</summary>
public sealed class ErrorCounts
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _firstMessage = new(StringComparer.Ordinal);

    public long Total => _counts.Values.Sum();

    public void Add(MatrixRequestException e)
    {
        _counts.AddOrUpdate(e.Errcode, 1, (_, n) => n + 1);
        _firstMessage.TryAdd(e.Errcode, e.Message);
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (errcode, count) in Snapshot())
        {
            json[errcode] = new JsonObject { ["count"] = count, ["example"] = _firstMessage.GetValueOrDefault(errcode) };
        }
        return json;
    }
}
