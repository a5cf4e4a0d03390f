using Myelin.Load.Cli;

return await LoadCli.Create().Parse(args).InvokeAsync();
