using System.CommandLine;
using Myelin.Cli;

// The executable is a thin shell: the CLI parses arguments, Myelin.Server's MyelinHost does the work.
// Signals are handled by `serve` itself (graceful drain), not by System.CommandLine's 2-second kill.
return await MyelinCli.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
