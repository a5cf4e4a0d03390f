using Myelin.Cli;

// The executable is a thin shell: MyelinCli parses the arguments, Myelin.Server's MyelinHost does the work.
return await MyelinCli.InvokeAsync(args);
