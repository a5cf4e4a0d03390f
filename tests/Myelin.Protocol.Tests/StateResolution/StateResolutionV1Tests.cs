using System.Security.Cryptography;
using System.Text;
using Myelin.Protocol.Events;
using Myelin.Protocol.RoomVersions;
using static Myelin.Protocol.Tests.StateResolution.TestDag;

namespace Myelin.Protocol.Tests.StateResolution;

public class StateResolutionV1Tests
{
#pragma warning disable CA5350 // spec: rooms/v1 orders by sha1(event_id).
    private static string Sha1(string eventId) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(eventId)));
#pragma warning restore CA5350

    [Fact]
    public void Version_1_applies_power_levels_in_depth_then_descending_sha1_order_and_picks_other_state_that_passes_auth()
    {
        var dag = new TestDag(KnownRoomVersions.V1);
        var pa = dag.Add(dag.Base, "PA", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}");
        var t1 = dag.Add(pa, "T1", EventTypes.Topic, "", Bob, "{\"topic\":\"bob\"}");
        var pb = dag.Add(dag.Base, "PB", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100}}}}");
        var t2 = dag.Add(pb, "T2", EventTypes.Topic, "", Alice, "{\"topic\":\"alice\"}");

        var resolved = dag.Resolve(t1, t2);

        // Equal depth: sorted by descending sha1, the first is added and the second (allowed: Alice has 100) replaces it.
        string lastPl = string.CompareOrdinal(Sha1("$PA"), Sha1("$PB")) > 0 ? "PB" : "PA";
        Assert.Equal(Id(lastPl), resolved[new(EventTypes.PowerLevels, "")]);
        // Bob's topic passes auth only if PA (Bob 50) won; among passing topics the lowest sha1 wins.
        string[] passing = lastPl == "PA" ? ["$T1", "$T2"] : ["$T2"];
        string topic = passing.OrderBy(Sha1, StringComparer.Ordinal).First();
        Assert.Equal(topic, resolved[new(EventTypes.Topic, "")].Value);
        Assert.Equal(resolved, dag.Resolve(t2, t1));
    }
}
