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
        return root;
    }
}
