using System.CommandLine;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Configuration;

namespace Myelin.Cli;

/// <summary><c>myelin generate-config</c>: writes a commented config file and a signing key, then exits.</summary>
internal static class GenerateConfigCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var serverName = new Option<string>("--server-name", "-s")
        {
            Description = "The domain in this server's user IDs (e.g. example.com). Default: localhost",
            DefaultValueFactory = _ => "localhost",
        };
        var port = new Option<int>("--port", "-p")
        {
            Description = "The HTTP port to listen on. Default: 8008",
            DefaultValueFactory = _ => 8008,
        };
        var command = new Command("generate-config", "Write a new, fully commented configuration file and signing key, then exit.");
        common.AddTo(command);
        command.Options.Add(serverName);
        command.Options.Add(port);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (dataDirectory, configPath) = common.Resolve(parse);
            string name = parse.GetValue(serverName) ?? "localhost";
            if (!ServerName.TryParse(name, out var parsedName))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: '{name}' is not a valid server name.");
                return 1;
            }
            int portNumber = parse.GetValue(port);
            if (portNumber is < 1 or > 65535)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: --port must be from 1 to 65535, got {portNumber}.");
                return 1;
            }
            try
            {
                var generated = ConfigBootstrap.Generate(configPath, dataDirectory, parsedName, portNumber);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Wrote configuration file: {generated.ConfigPath}");
                await parse.InvocationConfiguration.Output.WriteLineAsync(generated.SigningKeyCreated
                    ? $"Wrote signing key: {generated.SigningKeyPath}"
                    : $"Using existing signing key: {generated.SigningKeyPath}");
                return 0;
            }
            catch (ConfigException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
