using Microsoft.Extensions.Hosting;

namespace Myelin.Server.Hosting;

/// <summary>
/// The host's lifetime is owned by whoever embeds it: no Ctrl+C/SIGTERM hooks of its own (the CLI installs
/// them; a test process must not have its signals taken).
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
