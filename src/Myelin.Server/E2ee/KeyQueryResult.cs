using System.Text.Json.Nodes;

namespace Myelin.Server.E2ee;

/// <summary>
/// The answer to a key query being assembled from local keys, the remote device-list cache and other servers'
/// answers. spec: client-server POST /keys/query, server-server POST /user/keys/query.
/// </summary>
public sealed class KeyQueryResult
{
    private readonly Lock _lock = new();

    public JsonObject DeviceKeys { get; } = [];
    public JsonObject MasterKeys { get; } = [];
    public JsonObject SelfSigningKeys { get; } = [];
    public JsonObject UserSigningKeys { get; } = [];
    public JsonObject Failures { get; } = [];

    /// <summary>Runs <paramref name="merge"/> under the result's lock (remote answers arrive in parallel).</summary>
    public void Merge(Action<KeyQueryResult> merge)
    {
        lock (_lock)
        {
            merge(this);
        }
    }

    /// <summary>The client-server response body (with <c>failures</c> and <c>user_signing_keys</c>).</summary>
    public JsonObject ToClientJson() => new()
    {
        ["failures"] = Failures.DeepClone(),
        ["device_keys"] = DeviceKeys.DeepClone(),
        ["master_keys"] = MasterKeys.DeepClone(),
        ["self_signing_keys"] = SelfSigningKeys.DeepClone(),
        ["user_signing_keys"] = UserSigningKeys.DeepClone(),
    };

    /// <summary>The server-server response body (no failures, no user-signing keys: those are the owner's only).</summary>
    public JsonObject ToFederationJson() => new()
    {
        ["device_keys"] = DeviceKeys.DeepClone(),
        ["master_keys"] = MasterKeys.DeepClone(),
        ["self_signing_keys"] = SelfSigningKeys.DeepClone(),
    };
}
