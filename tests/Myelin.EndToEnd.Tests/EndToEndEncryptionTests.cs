using Myelin.EndToEnd.Tests.Support;

namespace Myelin.EndToEnd.Tests;

/// <summary>
/// End-to-end encryption proven with the crypto stack Element ships (matrix-js-sdk's Rust crypto,
/// @matrix-org/matrix-sdk-crypto-wasm) through tests/e2e/crypto.test.js: key upload/query/claim, Olm to-device
/// room keys, Megolm messages decrypted by the other side, a later device getting keys for new messages, and a
/// deleted device getting none.
/// </summary>
public sealed class EndToEndEncryptionTests
{
    [Fact]
    public async Task Megolm_messages_decrypt_across_users_and_devices_on_one_server()
    {
        await using var server = await SingleHomeserver.StartAsync();
        await NodeTestRun.AssertPassesAsync("crypto.test.js", new Dictionary<string, string> { ["MYELIN_URL"] = server.BaseUrl });
    }

    /// <summary>
    /// The same scenario with alice on one server and bob on another, federating over loopback HTTPS
    /// (tests/e2e/crypto-federation.test.js): invite and join over federation, device keys and one-time keys
    /// fetched from the other server, room keys as m.direct_to_device EDUs, device changes as m.device_list_update.
    /// </summary>
    [Fact]
    public async Task Megolm_messages_decrypt_across_two_federating_servers()
    {
        await using var serverA = await FederatingHomeserver.StartAsync();
        await using var serverB = await FederatingHomeserver.StartAsync();
        await NodeTestRun.AssertPassesAsync("crypto-federation.test.js", new Dictionary<string, string>
        {
            ["MYELIN_URL_A"] = serverA.ClientBaseUrl,
            ["MYELIN_URL_B"] = serverB.ClientBaseUrl,
        });
    }
}
