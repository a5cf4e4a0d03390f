using System.Globalization;
using System.Text.Json.Nodes;
using Myelin.Load.Measurement;

namespace Myelin.Load.Results;

/// <summary>What one scenario measured: parameters, metrics (shown as a table and written as JSON), errors and correctness checks.</summary>
public sealed class ScenarioResult(string scenario)
{
    private readonly List<(string Label, string Display)> _rows = [];
    private readonly List<(string Name, bool Passed, string Detail)> _checks = [];

    public string Scenario { get; } = scenario;

    public JsonObject Parameters { get; } = [];

    public JsonObject Metrics { get; } = [];

    public ErrorCounts Errors { get; } = new();

    public List<string> Notes { get; } = [];

    /// <summary>ok, incorrect (a correctness check failed), not_measurable (a needed endpoint failed) or stopped (a hard cap hit).</summary>
    public string Status { get; set; } = "ok";

    /// <summary>Why the scenario could not be measured or was stopped.</summary>
    public JsonObject? Failure { get; set; }

    public IReadOnlyList<(string Label, string Display)> Rows => _rows;

    public IReadOnlyList<(string Name, bool Passed, string Detail)> Checks => _checks;

    public void Add(string key, string label, double value, string unit, int decimals = 1)
    {
        Metrics[key] = Math.Round(value, decimals + 2);
        _rows.Add((label, value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + (unit.Length == 0 ? "" : " " + unit)));
    }

    public void Add(string key, string label, long value, string unit = "")
    {
        Metrics[key] = value;
        _rows.Add((label, value.ToString("N0", CultureInfo.InvariantCulture) + (unit.Length == 0 ? "" : " " + unit)));
    }

    public void AddText(string key, string label, string value)
    {
        Metrics[key] = value;
        _rows.Add((label, value));
    }

    public void AddLatency(string key, string label, LatencySummary summary)
    {
        Metrics[key] = summary.ToJson();
        _rows.Add((label, summary.Count == 0
            ? "no samples"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {summary.P50:F1} / p95 {summary.P95:F1} / p99 {summary.P99:F1} / max {summary.Max:F1} ms (n={summary.Count:N0})")));
    }

    /// <summary>Records a correctness check; a failed one makes the scenario's status <c>incorrect</c>.</summary>
    public void Check(string name, bool passed, string detail)
    {
        _checks.Add((name, passed, detail));
        if (!passed && Status == "ok")
        {
            Status = "incorrect";
        }
    }

    public JsonObject ToJson()
    {
        var checks = new JsonArray();
        foreach (var (name, passed, detail) in _checks)
        {
            checks.Add(new JsonObject { ["name"] = name, ["passed"] = passed, ["detail"] = detail });
        }
        var notes = new JsonArray();
        foreach (string note in Notes)
        {
            notes.Add(note);
        }
        return new JsonObject
        {
            ["scenario"] = Scenario,
            ["status"] = Status,
            ["failure"] = Failure?.DeepClone(),
            ["parameters"] = Parameters.DeepClone(),
            ["metrics"] = Metrics.DeepClone(),
            ["errors"] = Errors.ToJson(),
            ["checks"] = checks,
            ["notes"] = notes,
        };
    }
}
