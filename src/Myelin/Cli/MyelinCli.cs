using System.CommandLine;

namespace Myelin.Cli;

/// <summary>The <c>myelin</c> command line: <c>serve</c> (the default), <c>register-user</c>, <c>generate-config</c>.</summary>
public static class MyelinCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Myelin, a Matrix homeserver. With no command, runs 'serve'.");
        // `myelin --config x` is `myelin serve --config x`.
        ServeCommand.Configure(root);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(RegisterUserCommand.Create());
        root.Subcommands.Add(GenerateConfigCommand.Create());
        root.Subcommands.Add(RotateSigningKeyCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. Signals are handled by <c>serve</c> itself (a graceful drain),
    /// not by System.CommandLine's own termination timeout.
    /// </summary>
    public static Task<int> InvokeAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        // Response files ("@file") are off: "@alice:example.com" is a user ID, not a file name.
        var parse = Create().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        if (output is not null)
        {
            invocation.Output = output;
        }
        if (error is not null)
        {
            invocation.Error = error;
        }
        return parse.InvokeAsync(invocation, cancellationToken);
    }
}
