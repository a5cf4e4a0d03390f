using System.Text.Json.Nodes;
using Myelin.Protocol.Crypto;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>
/// Delivers EDUs the way another server does: a <c>PUT /_matrix/federation/v1/send/{txnId}</c> signed by <paramref name="from"/>
/// (with <paramref name="key"/>, a copy of its key, once it is stopped).
/// </summary>
internal static class SignedTransaction
{
    public static async Task SendEduAsync(FederatedHomeserver to, FederatedHomeserver from, string eduType, JsonObject content, SigningKey? key = null)
    {
        var transaction = new JsonObject
        {
            ["origin"] = from.ServerName.Value,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["pdus"] = new JsonArray(),
            ["edus"] = new JsonArray(new JsonObject { ["edu_type"] = eduType, ["content"] = content }),
        };
        await MatrixAssert.OkAsync(await to.SendSignedAsync(HttpMethod.Put, "/_matrix/federation/v1/send/" + Guid.NewGuid().ToString("N"),
            from.ServerName, key ?? from.SigningKey, transaction.ToJsonString()));
    }
}
