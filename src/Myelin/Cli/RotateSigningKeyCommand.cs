using System.CommandLine;
using Myelin.Server.Configuration;
using Myelin.Server.ServerKeys;

namespace Myelin.Cli;

/// <summary>
/// <c>myelin rotate-signing-key</c>: retires the current signing key into <c>&lt;signing_key_path&gt;.old</c> (still
/// published under <c>old_verify_keys</c>, so remote servers can check old events) and writes a new one.
/// Takes effect at the next start.
/// </summary>
internal static class RotateSigningKeyCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var command = new Command("rotate-signing-key",
            "Retire the server's signing key (kept as an old verify key) and create a new one. Restart the server afterwards.");
        common.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (_, configPath) = common.Resolve(parse);
            try
            {
                var config = ConfigLoader.Load(configPath).Config;
                var newKey = OldSigningKeysFile.Rotate(config.SigningKeyPath, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                await parse.InvocationConfiguration.Output.WriteLineAsync(
                    $"New signing key {newKey} in {config.SigningKeyPath}; the old key is listed in {OldSigningKeysFile.PathFor(config.SigningKeyPath)}. Restart the server to use it.");
                return 0;
            }
            catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
