using System.Net;
using Myelin.Server.Configuration;
using Myelin.Server.Tests.Support;

namespace Myelin.Server.Tests.ClientApi.Push;

internal static class PushTestServer
{
    /// <summary>A homeserver that may push to loopback gateways, retrying quickly.</summary>
    public static Task<TestHomeserver> StartAsync(TestEngine engine) =>
        TestHomeserver.StartAsync(engine, config => config with
        {
            IpRangeWhitelist = [IPNetwork.Parse("127.0.0.0/8")],
            Push = new PushConfig { InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(1) },
        });

    public static object HttpPusher(string url, string pushkey, object? extraData = null, bool append = false, string appId = "org.example.app") => new Dictionary<string, object?>
    {
        ["kind"] = "http",
        ["app_id"] = appId,
        ["pushkey"] = pushkey,
        ["app_display_name"] = "Example",
        ["device_display_name"] = "Phone",
        ["profile_tag"] = "tag1",
        ["lang"] = "en",
        ["data"] = extraData ?? new Dictionary<string, object> { ["url"] = url },
        ["append"] = append,
    };
}
