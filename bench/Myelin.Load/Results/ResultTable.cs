using System.Globalization;
using System.Text;

namespace Myelin.Load.Results;

/// <summary>Renders a scenario's summary as a Markdown table, readable in a terminal and pasteable into docs/benchmarks.md.</summary>
public static class ResultTable
{
    public static string Render(ScenarioResult result, IReadOnlyList<(string Label, string Display)> header)
    {
        var rows = new List<(string Label, string Display)>(header);
        rows.AddRange(result.Rows);
        foreach (var (errcode, count) in result.Errors.Snapshot())
        {
            rows.Add(("errors: " + errcode, count.ToString("N0", CultureInfo.InvariantCulture)));
        }
        foreach (var (name, passed, detail) in result.Checks)
        {
            rows.Add(("check: " + name, (passed ? "PASS " : "FAIL ") + detail));
        }
        if (result.Failure is { } failure)
        {
            rows.Add(("failure", failure["message"]?.GetValue<string>() ?? ""));
        }
        foreach (string note in result.Notes)
        {
            rows.Add(("note", note));
        }
        int width = Math.Max(24, rows.Max(r => r.Label.Length));
        int valueWidth = Math.Max(8, rows.Max(r => r.Display.Length));
        var text = new StringBuilder();
        text.Append("| ").Append(("scenario: " + result.Scenario).PadRight(width)).Append(" | ").Append(result.Status.ToUpperInvariant().PadRight(valueWidth)).AppendLine(" |");
        text.Append("|-").Append(new string('-', width)).Append("-|-").Append(new string('-', valueWidth)).AppendLine("-|");
        foreach (var (label, display) in rows)
        {
            text.Append("| ").Append(label.Replace("|", "\\|", StringComparison.Ordinal).PadRight(width)).Append(" | ")
                .Append(display.Replace("|", "\\|", StringComparison.Ordinal).PadRight(valueWidth)).AppendLine(" |");
        }
        return text.ToString();
    }
}
