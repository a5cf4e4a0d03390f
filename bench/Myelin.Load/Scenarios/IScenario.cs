using System.Text.Json.Nodes;
using Myelin.Load.Results;

namespace Myelin.Load.Scenarios;

/// <summary>
/// One workload. <see cref="RunAsync"/> fills the result; a <see cref="Client.MatrixRequestException"/> escaping it means
/// the workload could not be set up (an endpoint the server does not implement yet, or refuses) and is reported as such.
/// </summary>
public interface IScenario
{
    string Name { get; }

    /// <summary>The scenario's own parameters, recorded with the result.</summary>
    JsonObject Parameters { get; }

    Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken);
}
