using System.Text;
using Myelin.Load.Client;
using Myelin.Load.Scenarios;
using Myelin.Load.Users;

namespace Myelin.Load.Tests;

public class ParsingTests
{
    [Fact]
    public void Shipped_play_has_the_expected_shape()
    {
        var play = PlayScript.LoadDefault();
        Assert.InRange(play.Lines.Count, 150, 300);
        var speakers = play.Lines.Select(l => l.Speaker).Distinct().ToList();
        Assert.InRange(speakers.Count, 6, 10);
        Assert.All(play.Lines, l => Assert.False(string.IsNullOrWhiteSpace(l.Line)));
        Assert.Equal(speakers.Count, speakers.Select(PlayScript.Localpart).Distinct().Count());
    }

    [Fact]
    public void Play_lines_without_a_speaker_are_reported_with_their_line_number()
    {
        var e = Assert.Throws<FormatException>(() => PlayScript.Parse("ROMEO: hi\n# comment\n\njust words\n", "p.txt"));
        Assert.StartsWith("p.txt:4:", e.Message, StringComparison.Ordinal);
        Assert.Equal("friar_laurence", PlayScript.Localpart("FRIAR LAURENCE"));
        Assert.Equal("lady_capulet", PlayScript.Localpart(" Lady  Capulet! "));
        Assert.Equal("speaker", PlayScript.Localpart("???"));
    }

    [Fact]
    public void Sync_batch_counts_only_this_runs_messages()
    {
        string body = """
            {"next_batch":"s42","rooms":{"join":{
              "!a:hs":{"timeline":{"limited":true,"events":[
                {"type":"m.room.message","content":{"body":"x","org.myelin.load":{"id":"run1:7","sent_at_ms":1}}},
                {"type":"m.room.message","content":{"body":"other run","org.myelin.load":{"id":"run2:7"}}},
                {"type":"m.room.member","content":{"membership":"join","org.myelin.load":{"id":"run1:8"}}},
                {"type":"m.room.message","content":{"body":"plain"}}]}},
              "!b:hs":{"timeline":{"events":[]}}}}}
            """;
        var batch = SyncBatch.Parse(Encoding.UTF8.GetBytes(body), "run1");
        Assert.Equal("s42", batch.NextBatch);
        Assert.Equal(2, batch.JoinedRooms);
        Assert.Equal(["run1:7"], batch.LoadIds);
        Assert.Equal(1, batch.LimitedTimelines);
        Assert.Equal(4, batch.TimelineEvents);
    }

    [Fact]
    public void Sync_batch_without_next_batch_is_rejected()
    {
        Assert.Throws<FormatException>(() => SyncBatch.Parse("{\"rooms\":{}}"u8.ToArray(), "r"));
        Assert.Throws<FormatException>(() => SyncBatch.Parse("<html>"u8.ToArray(), "r"));
    }

    [Fact]
    public void Users_file_reads_json_lines_and_names_the_bad_line()
    {
        var users = UsersFile.Parse("# made by hand\n{\"user_id\":\"@a:hs\",\"access_token\":\"t1\"}\n\n{\"user_id\":\"@b:hs\",\"access_token\":\"t2\",\"password\":\"p\"}\n", "u.jsonl");
        Assert.Equal(2, users.Count);
        Assert.Equal("a", users[0].Localpart);
        Assert.Equal("p", users[1].Password);
        Assert.StartsWith("u.jsonl:2:", Assert.Throws<FormatException>(() => UsersFile.Parse("{\"user_id\":\"@a:hs\",\"access_token\":\"t\"}\n{\"user_id\":\"a\",\"access_token\":\"t\"}", "u.jsonl")).Message, StringComparison.Ordinal);
        Assert.StartsWith("u.jsonl:1:", Assert.Throws<FormatException>(() => UsersFile.Parse("{\"user_id\":\"@a:hs\"}", "u.jsonl")).Message, StringComparison.Ordinal);
        Assert.StartsWith("u.jsonl:1:", Assert.Throws<FormatException>(() => UsersFile.Parse("not json", "u.jsonl")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Matrix_errors_are_read_from_the_body_or_reported_by_status()
    {
        var e = MatrixClient.ErrorFrom("PUT /x", 429, """{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":1500}"""u8.ToArray());
        Assert.Equal("M_LIMIT_EXCEEDED", e.Errcode);
        Assert.Equal(1500, e.RetryAfterMs);
        Assert.Contains("PUT /x failed: HTTP 429 M_LIMIT_EXCEEDED: slow down", e.Message, StringComparison.Ordinal);

        var notFound = MatrixClient.ErrorFrom("POST /y", 404, "Not Found"u8.ToArray());
        Assert.Equal("HTTP_404", notFound.Errcode);
        Assert.True(notFound.IsUnrecognized);
        Assert.True(MatrixClient.ErrorFrom("POST /y", 404, """{"errcode":"M_UNRECOGNIZED","error":"no"}"""u8.ToArray()).IsUnrecognized);
    }

    [Theory]
    [InlineData(4, 16)]
    [InlineData(16, 16)]
    [InlineData(16, 1)]
    [InlineData(3, 10)]
    public void Every_room_gets_senders_and_many_rooms_are_split_without_overlap(int senders, int rooms)
    {
        var assignments = Enumerable.Range(0, senders).Select(s => SendScenario.RoomsOf(s, senders, rooms)).ToList();
        Assert.Equal(Enumerable.Range(0, rooms), assignments.SelectMany(r => r).Distinct().Order());
        Assert.All(assignments, a => Assert.NotEmpty(a));
        if (rooms >= senders)
        {
            Assert.Equal(rooms, assignments.Sum(a => a.Length));
        }
    }

    [Fact]
    public void Request_budget_stops_the_run_at_the_cap()
    {
        using var stop = new CancellationTokenSource();
        var budget = new RequestBudget(3, stop);
        budget.Take();
        budget.Take();
        budget.Take();
        Assert.False(stop.IsCancellationRequested);
        Assert.Throws<OperationCanceledException>(budget.Take);
        Assert.True(stop.IsCancellationRequested);
        Assert.True(budget.Exhausted);
        Assert.Equal(3, budget.Taken);
    }
}
