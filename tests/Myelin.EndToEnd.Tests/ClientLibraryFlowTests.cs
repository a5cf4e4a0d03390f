using Myelin.EndToEnd.Tests.Support;

namespace Myelin.EndToEnd.Tests;

/// <summary>
/// Starts a real Myelin (SQLite, open registration, no rate limits) and drives it with matrix-js-sdk — the library
/// Element is built on — through tests/e2e/client-flows.test.js: register, profile, rooms, invites, chat,
/// pagination, edits, redactions, typing, receipts, leaving.
/// </summary>
public sealed class ClientLibraryFlowTests
{
    [Fact]
    public async Task Matrix_js_sdk_client_flows_pass()
    {
        await using var server = await SingleHomeserver.StartAsync();
        await NodeTestRun.AssertPassesAsync("client-flows.test.js", new Dictionary<string, string> { ["MYELIN_URL"] = server.BaseUrl });
    }
}
