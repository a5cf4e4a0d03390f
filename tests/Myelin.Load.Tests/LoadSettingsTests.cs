using Myelin.Load.Cli;
using Myelin.Load.Users;

namespace Myelin.Load.Tests;

public class LoadSettingsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(new LoadSettings().Validate());

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(601)]
    [InlineData(double.NaN)]
    public void Duration_must_be_positive_and_under_the_hard_cap(double seconds)
    {
        var errors = new LoadSettings { DurationSeconds = seconds }.Validate();
        Assert.Contains(errors, e => e.StartsWith("--duration", StringComparison.Ordinal));
    }

    [Fact]
    public void Request_cap_and_time_limit_are_bounded()
    {
        Assert.Contains(new LoadSettings { MaxRequests = 0 }.Validate(), e => e.StartsWith("--max-requests", StringComparison.Ordinal));
        Assert.Contains(new LoadSettings { MaxRequests = LoadSettings.MaxRequestsCap + 1 }.Validate(), e => e.StartsWith("--max-requests", StringComparison.Ordinal));
        Assert.Contains(new LoadSettings { TimeLimitSeconds = 5, DurationSeconds = 10 }.Validate(), e => e.Contains("at least --duration", StringComparison.Ordinal));
        Assert.Contains(new LoadSettings { TimeLimitSeconds = 4000 }.Validate(), e => e.StartsWith("--time-limit", StringComparison.Ordinal));
    }

    [Fact]
    public void Registration_modes_need_their_inputs()
    {
        Assert.Contains(new LoadSettings { Registration = RegistrationMode.SharedSecret }.Validate(), e => e.Contains("--shared-secret", StringComparison.Ordinal));
        Assert.Contains(new LoadSettings { Registration = RegistrationMode.File }.Validate(), e => e.Contains("--users-file", StringComparison.Ordinal));
        Assert.Empty(new LoadSettings { Registration = RegistrationMode.SharedSecret, SharedSecret = "x" }.Validate());
    }

    [Theory]
    [InlineData("Load-")]
    [InlineData("a b")]
    [InlineData("@x")]
    public void User_prefix_must_be_a_valid_localpart_start(string prefix) =>
        Assert.Contains(new LoadSettings { UserPrefix = prefix }.Validate(), e => e.StartsWith("--user-prefix", StringComparison.Ordinal));

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = new LoadSettings { DurationSeconds = 0, MaxRequests = 0, MaxConnections = 0, ServerPid = -3 }.Validate();
        Assert.Equal(4, errors.Count);
    }
}
