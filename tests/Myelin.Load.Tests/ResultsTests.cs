using System.Text.Json;
using Myelin.Load.Client;
using Myelin.Load.Measurement;
using Myelin.Load.Results;
using Myelin.Load.Scenarios;

namespace Myelin.Load.Tests;

public class ResultsTests
{
    [Fact]
    public void A_failed_check_makes_the_result_incorrect_and_shows_in_table_and_json()
    {
        var result = new ScenarioResult("fanout");
        result.Check("no missed events", passed: true, "0 missing");
        Assert.Equal("ok", result.Status);
        result.Check("no duplicated events", passed: false, "3 | duplicates");
        Assert.Equal("incorrect", result.Status);

        string table = ResultTable.Render(result, [("target", "http://127.0.0.1:8008/")]);
        Assert.Contains("| scenario: fanout", table, StringComparison.Ordinal);
        Assert.Contains("INCORRECT", table, StringComparison.Ordinal);
        Assert.Contains("FAIL 3 \\| duplicates", table, StringComparison.Ordinal); // a '|' in a value must not split the Markdown row
        var json = JsonDocument.Parse(result.ToJson().ToJsonString()).RootElement;
        Assert.Equal("incorrect", json.GetProperty("status").GetString());
        Assert.False(json.GetProperty("checks")[1].GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void Errors_are_counted_by_errcode_with_an_example()
    {
        var result = new ScenarioResult("send");
        result.Errors.Add(new MatrixRequestException("PUT /send", 429, "M_LIMIT_EXCEEDED", "slow down", 100));
        result.Errors.Add(new MatrixRequestException("PUT /send", 429, "M_LIMIT_EXCEEDED", "slow down", 100));
        result.Errors.Add(new MatrixRequestException("PUT /send", 0, "NETWORK", "reset"));
        Assert.Equal(3, result.Errors.Total);
        var json = JsonDocument.Parse(result.ToJson().ToJsonString()).RootElement.GetProperty("errors");
        Assert.Equal(2, json.GetProperty("M_LIMIT_EXCEEDED").GetProperty("count").GetInt64());
        Assert.Contains("HTTP 429", json.GetProperty("M_LIMIT_EXCEEDED").GetProperty("example").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, json.GetProperty("NETWORK").GetProperty("count").GetInt64());
    }

    [Fact]
    public void Server_cpu_is_reported_per_event_and_as_a_share_of_a_core()
    {
        var result = new ScenarioResult("send");
        ScenarioContext.AddServerCpu(result, new ProcessSample(1000, 10.0), new ProcessSample(1200, 12.5), seconds: 5, units: 1000, "event");
        Assert.Equal(2.5, result.Metrics["measured_server_cpu_seconds"]!.GetValue<double>());
        Assert.Equal(50, result.Metrics["measured_server_cpu_percent"]!.GetValue<double>());
        Assert.Equal(2.5, result.Metrics["measured_server_cpu_ms_per_event"]!.GetValue<double>());

        var none = new ScenarioResult("send");
        ScenarioContext.AddServerCpu(none, null, new ProcessSample(1, 1), 5, 10, "event");
        Assert.Empty(none.Metrics);
    }

    [Fact]
    public void Load_messages_carry_their_id_and_send_time()
    {
        var content = LoadMessage.Create(LoadMessage.NewId("abcd", 12), "hello");
        var clientEvent = JsonDocument.Parse($$"""{"type":"m.room.message","content":{{content.ToJsonString()}}}""").RootElement;
        Assert.Equal("abcd:12", LoadMessage.IdOf(clientEvent, "abcd"));
        Assert.Null(LoadMessage.IdOf(clientEvent, "abc"));
        Assert.Equal("m.text", content["msgtype"]!.GetValue<string>());
        Assert.InRange(content[LoadMessage.MarkerKey]!["sent_at_ms"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }
}
