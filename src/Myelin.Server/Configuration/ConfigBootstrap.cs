using Myelin.Protocol.Identifiers;

namespace Myelin.Server.Configuration;

/// <summary>
/// First-run setup: where the data directory and config file are, and creating a commented config file and a
/// signing key when they do not exist yet.
/// </summary>
public static class ConfigBootstrap
{
    /// <summary>The environment variable naming the data directory when <c>--data-dir</c> is not given.</summary>
    public const string DataDirEnvironmentVariable = "MYELIN_DATA_DIR";

    public const string ConfigFileName = "homeserver.yaml";

    /// <summary>The data directory: the explicit one, else <c>$MYELIN_DATA_DIR</c>, else <c>./data</c>.</summary>
    public static string ResolveDataDirectory(string? explicitDirectory)
    {
        string? directory = explicitDirectory;
        if (string.IsNullOrWhiteSpace(directory))
        {
            directory = Environment.GetEnvironmentVariable(DataDirEnvironmentVariable);
        }
        if (string.IsNullOrWhiteSpace(directory))
        {
            directory = "data";
        }
        return Path.GetFullPath(directory);
    }

    /// <summary>The config file: the explicit one, else <c>&lt;data&gt;/homeserver.yaml</c>.</summary>
    public static string ResolveConfigPath(string? explicitPath, string dataDirectory) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(explicitPath) ? Path.Combine(dataDirectory, ConfigFileName) : explicitPath);

    /// <summary>
    /// Writes a new commented config file for <paramref name="serverName"/> and creates the signing key it names.
    /// Refuses to overwrite an existing file.
    /// </summary>
    public static GeneratedConfig Generate(string configPath, string dataDirectory, ServerName serverName, int port = 8008)
    {
        string fullPath = Path.GetFullPath(configPath);
        if (File.Exists(fullPath))
        {
            throw new ConfigException($"{fullPath} already exists; not overwriting it.");
        }
        Directory.CreateDirectory(dataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string yaml = ConfigTemplate.Render(serverName, fullPath, dataDirectory, port);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // The file holds registration_shared_secret and possibly a database password.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(fullPath, options))
        {
            writer.Write(yaml);
        }
        var config = ConfigLoader.Load(fullPath).Config;
        ServerKeyFile.LoadOrCreate(config.SigningKeyPath, out bool keyCreated).Dispose();
        return new GeneratedConfig(fullPath, config.SigningKeyPath, keyCreated);
    }

    /// <summary>
    /// Loads the config at <paramref name="configPath"/>, generating it first (for server name <c>localhost</c>)
    /// if it does not exist, and makes sure the signing key exists.
    /// </summary>
    public static BootstrapResult LoadOrGenerate(string configPath, string dataDirectory)
    {
        GeneratedConfig? generated = null;
        if (!File.Exists(configPath))
        {
            generated = Generate(configPath, dataDirectory, ServerName.Parse("localhost"));
        }
        var loaded = ConfigLoader.Load(configPath);
        ServerKeyFile.LoadOrCreate(loaded.Config.SigningKeyPath, out bool keyCreated).Dispose();
        return new BootstrapResult(loaded.Config, loaded.Warnings, generated, keyCreated || generated?.SigningKeyCreated == true);
    }
}

/// <summary>A config file written by <see cref="ConfigBootstrap.Generate"/> and the signing key it names.</summary>
public sealed record GeneratedConfig(string ConfigPath, string SigningKeyPath, bool SigningKeyCreated);

/// <summary>The configuration to run with, and what first-run setup created.</summary>
public sealed record BootstrapResult(MyelinConfig Config, IReadOnlyList<string> Warnings, GeneratedConfig? Generated, bool SigningKeyCreated);
