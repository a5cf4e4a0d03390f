using System.CommandLine;
using System.Runtime.InteropServices;
using Myelin.Server.Configuration;
using Myelin.Server.Hosting;

namespace Myelin.Cli;

/// <summary>
/// <c>myelin serve</c>: loads the config (generating it and a signing key on first run), starts the server and
/// stops it cleanly on SIGINT/SIGTERM, draining in-flight requests.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the homeserver (generates a config file and signing key on first run).");
        Configure(command);
        return command;
    }

    public static void Configure(Command command)
    {
        var common = new CommonOptions();
        common.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, common, cancellationToken));
    }

    private static async Task<int> RunAsync(ParseResult parse, CommonOptions common, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var (dataDirectory, configPath) = common.Resolve(parse);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        void OnSignal(PosixSignalContext context)
        {
            // Keep the process alive: the server drains requests and closes the database, then main returns.
            context.Cancel = true;
            stop.Cancel();
        }

        BootstrapResult bootstrap;
        try
        {
            bootstrap = ConfigBootstrap.LoadOrGenerate(configPath, dataDirectory);
        }
        catch (ConfigException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        if (bootstrap.Generated is { } generated)
        {
            await output.WriteLineAsync($"Generated a new configuration file: {generated.ConfigPath}");
            await output.WriteLineAsync("  Edit it (server_name, public_baseurl, database, ...) and restart to change the defaults.");
        }
        if (bootstrap.SigningKeyCreated)
        {
            await output.WriteLineAsync($"Generated a new signing key: {bootstrap.Config.SigningKeyPath}");
        }
        foreach (string warning in bootstrap.Warnings)
        {
            await error.WriteLineAsync($"warning: {bootstrap.Config.ConfigPath}: {warning}");
        }

        MyelinHost host;
        try
        {
            host = await MyelinHost.StartAsync(bootstrap.Config, new MyelinHostOptions { MetricsRegistry = Prometheus.Metrics.DefaultRegistry }, stop.Token);
        }
        catch (ConfigException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (IOException e)
        {
            // Kestrel reports an address already in use or a port it may not bind as an IOException.
            await error.WriteLineAsync($"error: cannot listen: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }

        await using (host)
        {
            await output.WriteLineAsync($"Myelin is serving {bootstrap.Config.ServerName} at {string.Join(", ", host.Urls)}");
            await output.WriteLineAsync($"  config: {bootstrap.Config.ConfigPath}; data: {dataDirectory}. Stop with Ctrl+C.");
            await output.FlushAsync(CancellationToken.None);
            try
            {
                await host.WaitForShutdownAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                // A signal: fall through to the graceful stop.
            }
            await output.WriteLineAsync("Stopping: finishing in-flight requests...");
            await output.FlushAsync(CancellationToken.None);
            await host.StopAsync(CancellationToken.None);
        }
        await output.WriteLineAsync("Stopped.");
        return 0;
    }
}
