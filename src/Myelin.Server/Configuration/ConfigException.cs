namespace Myelin.Server.Configuration;

/// <summary>The configuration file cannot be used; <see cref="Exception.Message"/> names every problem and its key.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message)
    {
    }

    public ConfigException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
