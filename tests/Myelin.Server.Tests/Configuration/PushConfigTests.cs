using Myelin.Server.Configuration;

namespace Myelin.Server.Tests.Configuration;

/// <summary>The <c>push:</c> section (docs/configuration.md "Push").</summary>
public sealed class PushConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("myelin-push-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Push_settings_are_read_with_defaults_and_bad_values_reported()
    {
        var defaults = ConfigLoader.Parse("server_name: example.org\n", _dir).Config.Push;
        Assert.Equal(new PushConfig(), defaults);
        Assert.True(defaults.Enabled && defaults.IncludeContent);
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.InitialBackoff);
        Assert.Equal(TimeSpan.FromDays(1), defaults.GiveUpAfter);

        var result = ConfigLoader.Parse("""
            server_name: example.org
            push:
              enabled: false
              include_content: false
              initial_backoff: 250
              max_backoff: 10m
              give_up_after: 2h
              request_timeout: 5s
              notification_retention: 7d
            """, _dir);
        Assert.Empty(result.Warnings);
        var push = result.Config.Push;
        Assert.False(push.Enabled);
        Assert.False(push.IncludeContent);
        Assert.Equal(TimeSpan.FromMilliseconds(250), push.InitialBackoff);
        Assert.Equal(TimeSpan.FromMinutes(10), push.MaxBackoff);
        Assert.Equal(TimeSpan.FromHours(2), push.GiveUpAfter);
        Assert.Equal(TimeSpan.FromSeconds(5), push.RequestTimeout);
        Assert.Equal(TimeSpan.FromDays(7), push.NotificationRetention);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""
            server_name: example.org
            push:
              initial_backoff: soon
            """, _dir));
        Assert.Contains("push.initial_backoff", e.Message, StringComparison.Ordinal);
    }
}
