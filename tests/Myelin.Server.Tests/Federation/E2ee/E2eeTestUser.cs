using System.Text.Json.Nodes;
using Myelin.Server.Tests.ClientApi.Keys;
using Myelin.Server.Tests.ClientApi.Rooms;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.Federation.E2ee;

/// <summary>A user on a test server with real device keys, one-time keys, a fallback key and cross-signing keys uploaded.</summary>
internal sealed class E2eeTestUser : IDisposable
{
    private const string V3 = "/_matrix/client/v3";

    private E2eeTestUser(TestUser user)
    {
        User = user;
        Device = new DeviceKeyMaterial(user);
        CrossSigning = new CrossSigningKeyMaterial(user.UserId.Value);
    }

    public TestUser User { get; }
    public DeviceKeyMaterial Device { get; }
    public CrossSigningKeyMaterial CrossSigning { get; }
    public JsonObject DeviceKeys { get; private set; } = null!;

    /// <summary>Creates the user, names the device, uploads device keys, two one-time keys (A then B), a fallback key and cross-signing keys.</summary>
    public static async Task<E2eeTestUser> CreateAsync(TestHomeserver server, string localpart, string displayName = "Phone")
    {
        var e2ee = new E2eeTestUser(await server.CreateUserAsync(localpart));
        var user = e2ee.User;
        await MatrixAssert.OkAsync(await user.PutAsync(V3 + "/devices/" + user.DeviceId, new { display_name = displayName }));
        e2ee.DeviceKeys = e2ee.Device.DeviceKeys();
        await MatrixAssert.OkAsync(await user.PostAsync(V3 + "/keys/upload", new JsonObject
        {
            ["device_keys"] = e2ee.DeviceKeys.DeepClone(),
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:AAAA"] = e2ee.Device.SignedKey("b3RrMQ") },
        }));
        await MatrixAssert.OkAsync(await user.PostAsync(V3 + "/keys/upload", new JsonObject
        {
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:BBBB"] = e2ee.Device.SignedKey("b3RrMg") },
            ["fallback_keys"] = new JsonObject { ["signed_curve25519:FFFF"] = e2ee.Device.SignedKey("ZmFsbA", fallback: true) },
        }));
        await MatrixAssert.OkAsync(await user.PostAsync(V3 + "/keys/device_signing/upload", new JsonObject
        {
            ["master_key"] = e2ee.CrossSigning.MasterKey(),
            ["self_signing_key"] = e2ee.CrossSigning.SelfSigningKey(),
            ["user_signing_key"] = e2ee.CrossSigning.UserSigningKey(),
        }));
        return e2ee;
    }

    public void Dispose()
    {
        Device.Dispose();
        CrossSigning.Dispose();
    }
}
