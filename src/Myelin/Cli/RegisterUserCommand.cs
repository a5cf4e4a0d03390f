using System.CommandLine;
using System.Text;
using Myelin.Protocol.Identifiers;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.Http;
using Myelin.Server.Configuration;

namespace Myelin.Cli;

/// <summary>
/// <c>myelin register-user</c>: creates a local account directly in the configured database (the server may be
/// running). The password comes from <c>--password</c>, else from standard input when it is redirected, else
/// from an interactive prompt.
/// </summary>
internal static class RegisterUserCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var user = new Option<string>("--user", "-u")
        {
            Description = "The new user's localpart (alice) or full user ID (@alice:example.com).",
            Required = true,
        };
        var password = new Option<string?>("--password")
        {
            Description = "The password. If omitted, read from standard input or prompted for.",
        };
        var admin = new Option<bool>("--admin")
        {
            Description = "Make the user a server admin.",
        };
        var command = new Command("register-user", "Create a user account in the configured database.");
        common.AddTo(command);
        command.Options.Add(user);
        command.Options.Add(password);
        command.Options.Add(admin);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                return await RunAsync(parse, common, parse.GetRequiredValue(user), parse.GetValue(password), parse.GetValue(admin), cancellationToken);
            }
            catch (ConfigException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CommonOptions common, string user, string? password, bool admin, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var (_, configPath) = common.Resolve(parse);
        if (!File.Exists(configPath))
        {
            await error.WriteLineAsync($"error: no configuration file at {configPath}. Run 'myelin serve' or 'myelin generate-config' first, or pass --config.");
            return 1;
        }
        var config = ConfigLoader.Load(configPath).Config;

        string localpart = user;
        if (user.StartsWith('@'))
        {
            if (!UserId.TryParse(user, out var parsed) || parsed.Server != config.ServerName)
            {
                await error.WriteLineAsync($"error: '{user}' is not a user ID on this server ({config.ServerName}).");
                return 1;
            }
            localpart = parsed.Localpart;
        }
        // spec: appendices "User Identifiers": new localparts use the strict grammar.
        if (!UserId.IsValidNewLocalpart(localpart) || !UserId.TryParse($"@{localpart}:{config.ServerName}", out var userId))
        {
            await error.WriteLineAsync($"error: '{localpart}' is not a valid username: use only a-z, 0-9 and . _ = - / +");
            return 1;
        }

        password ??= await ReadPasswordAsync(output);
        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync("error: the password must not be empty.");
            return 1;
        }

        await using var database = await config.Database.OpenAsync(cancellationToken);
        // The same registration path as the client API, so the same name rules and profile defaults apply.
        var accounts = new AccountService(database, config, new PasswordHasher(),
            new AccessTokenAuthenticator(database, TimeProvider.System), TimeProvider.System);
        try
        {
            await accounts.RegisterAsync(localpart, password, admin, cancellationToken);
        }
        catch (MatrixException e)
        {
            await error.WriteLineAsync(e.ErrCode == MatrixErrorCodes.UserInUse ? $"error: user {userId} already exists." : $"error: {e.Message}");
            return 1;
        }
        await output.WriteLineAsync($"Created {(admin ? "admin " : "")}user {userId}.");
        return 0;
    }

    private static async Task<string?> ReadPasswordAsync(TextWriter output)
    {
        if (Console.IsInputRedirected)
        {
            return (await Console.In.ReadLineAsync())?.TrimEnd('\r');
        }
        string first = Prompt(output, "Password: ");
        string second = Prompt(output, "Confirm password: ");
        if (first != second)
        {
            throw new ConfigException("the passwords do not match.");
        }
        return first;
    }

    private static string Prompt(TextWriter output, string label)
    {
        output.Write(label);
        output.Flush();
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                output.WriteLine();
                return text.ToString();
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
