using System.CommandLine;
using Myelin.Server.Configuration;

namespace Myelin.Cli;

/// <summary>The options every command shares: where the config file and the data directory are.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "The YAML configuration file. Default: <data-dir>/homeserver.yaml",
        HelpName = "FILE",
    };

    public Option<string?> DataDir { get; } = new("--data-dir", "-d")
    {
        Description = $"Where the server keeps its data (database, keys, media). Default: ${ConfigBootstrap.DataDirEnvironmentVariable} or ./data",
        HelpName = "DIR",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(DataDir);
    }

    public (string DataDirectory, string ConfigPath) Resolve(ParseResult parse)
    {
        string data = ConfigBootstrap.ResolveDataDirectory(parse.GetValue(DataDir));
        return (data, ConfigBootstrap.ResolveConfigPath(parse.GetValue(Config), data));
    }
}
