using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Protocol.StateResolution;
using static Myelin.Protocol.Tests.StateResolution.TestDag;

namespace Myelin.Protocol.Tests.StateResolution;

/// <summary>Each step of state resolution v2/v2.1 on its own. spec: rooms/fragments/v2-state-res.md.</summary>
public class StateResolutionStepsTests
{
    private static readonly StateKey A = new("t", "a");
    private static readonly StateKey B = new("t", "b");
    private static readonly StateKey C = new("t", "c");

    [Fact]
    public void Separate_conflicts_treats_a_missing_key_as_a_conflict()
    {
        var s1 = new Dictionary<StateKey, EventId> { [A] = Id("a1"), [B] = Id("b1"), [C] = Id("c1") };
        var s2 = new Dictionary<StateKey, EventId> { [A] = Id("a1"), [B] = Id("b2") };
        var (unconflicted, conflicted) = StateResolutionV2.SeparateConflicts([s1, s2]);
        Assert.Equal(new Dictionary<StateKey, EventId> { [A] = Id("a1") }, unconflicted);
        Assert.Equal([Id("b1"), Id("b2"), Id("c1")], conflicted.OrderBy(e => e.Value, StringComparer.Ordinal));
    }

    [Fact]
    public void Auth_difference_holds_what_only_some_forks_reach()
    {
        var dag = new TestDag(KnownRoomVersions.V10);
        var pa = dag.Add(dag.Base, "PA", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}");
        var t = dag.Add(pa, "T", EventTypes.Topic, "", Bob, "{}");
        var pb = dag.Add(dag.Base, "PB", EventTypes.PowerLevels, "", Alice, "{}");
        var (unconflicted, _) = StateResolutionV2.SeparateConflicts([t, pb]);
        var difference = StateResolutionV2.AuthDifference([t, pb], unconflicted, dag.Source());
        // Fork 1 reaches PA (through T and directly); fork 2 reaches PB; IPOWER is in both chains.
        Assert.Equal([Id("PA"), Id("PB"), Id("T")], difference.OrderBy(e => e.Value, StringComparer.Ordinal));
        Assert.Contains(Id("IPOWER"), StateResolutionV2.AuthChain(Id("PA"), dag.Source()));
    }

    [Fact]
    public void Conflicted_state_subgraph_holds_events_between_conflicted_events()
    {
        var dag = new TestDag(KnownRoomVersions.V12);
        var p1 = dag.Add(dag.Base, "P1", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Bob}\":50}}}}");
        var mb = dag.Member(p1, "MB", Bob, Bob, "leave");
        dag.Member(mb, "MB2", Bob, Bob, "join");
        // MB2 cites MB (Bob's previous membership), which cites P1: MB lies on the path between two conflicted events.
        var subgraph = StateResolutionV2.ConflictedStateSubgraph([Id("MB2"), Id("P1")], dag.Source());
        Assert.Equal([Id("MB"), Id("MB2"), Id("P1")], subgraph.OrderBy(e => e.Value, StringComparer.Ordinal));
        Assert.DoesNotContain(Id("IPOWER"), subgraph);
    }

    [Fact]
    public void Power_events_are_power_levels_join_rules_kicks_and_bans()
    {
        var dag = new TestDag(KnownRoomVersions.V10);
        dag.Member(dag.Base, "KICK", Carol, Alice, "leave");
        dag.Member(dag.Base, "LEAVE", Carol, Carol, "leave");
        dag.Member(dag.Base, "BAN", Carol, Alice, "ban");
        dag.Add(dag.Base, "TOPIC", EventTypes.Topic, "", Alice, "{}");
        Assert.True(StateResolutionV2.IsPowerEvent(dag["KICK"]));
        Assert.True(StateResolutionV2.IsPowerEvent(dag["BAN"]));
        Assert.True(StateResolutionV2.IsPowerEvent(dag["IPOWER"]));
        Assert.True(StateResolutionV2.IsPowerEvent(dag["IJR"]));
        Assert.False(StateResolutionV2.IsPowerEvent(dag["LEAVE"]));
        Assert.False(StateResolutionV2.IsPowerEvent(dag["TOPIC"]));
        Assert.False(StateResolutionV2.IsPowerEvent(dag["IMB"]));
    }

    [Fact]
    public void Reverse_topological_power_ordering_puts_parents_first_then_power_then_time_then_id()
    {
        var dag = new TestDag(KnownRoomVersions.V10);
        var pa = dag.Add(dag.Base, "PA", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}");
        dag.Add(pa, "BOB1", EventTypes.JoinRules, "", Bob, "{\"join_rule\":\"public\"}", ts: 10);
        dag.Add(pa, "ALICE_LATE", EventTypes.JoinRules, "", Alice, "{\"join_rule\":\"public\"}", ts: 50);
        dag.Add(pa, "ALICE_Y", EventTypes.JoinRules, "", Alice, "{\"join_rule\":\"public\"}", ts: 20);
        dag.Add(pa, "ALICE_X", EventTypes.JoinRules, "", Alice, "{\"join_rule\":\"public\"}", ts: 20);
        var sorted = StateResolutionV2.ReverseTopologicalPowerOrdering(
            [Id("BOB1"), Id("ALICE_LATE"), Id("ALICE_Y"), Id("ALICE_X"), Id("PA")], dag.Source());
        Assert.Equal([Id("PA"), Id("ALICE_X"), Id("ALICE_Y"), Id("ALICE_LATE"), Id("BOB1")], sorted);
    }

    [Fact]
    public void Mainline_ordering_sorts_by_mainline_position_then_time()
    {
        var dag = new TestDag(KnownRoomVersions.V10);
        var p1 = dag.Add(dag.Base, "P1", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100}}}}");
        dag.Add(p1, "T_ON_P1", EventTypes.Topic, "", Alice, "{}", ts: 500);
        var p2 = dag.Add(p1, "P2", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100}}}}");
        dag.Add(p2, "T_ON_P2", EventTypes.Topic, "", Alice, "{}", ts: 100);
        var side = dag.Add(p1, "PSIDE", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{\"{Alice}\":100}}}}");
        dag.Add(side, "T_ON_SIDE", EventTypes.Topic, "", Alice, "{}", ts: 1);
        var noPl = new Dictionary<StateKey, EventId>(dag.Base);
        noPl.Remove(new(EventTypes.PowerLevels, ""));
        dag.Add(noPl, "T_NO_PL", EventTypes.Topic, "", Alice, "{}", ts: 9999);

        var sorted = StateResolutionV2.MainlineOrdering(
            [Id("T_ON_P2"), Id("T_ON_P1"), Id("T_ON_SIDE"), Id("T_NO_PL")], Id("P2"), dag.Source());

        // No power levels: position ∞, first. T_ON_SIDE reaches P1 through PSIDE, like T_ON_P1, and is older.
        Assert.Equal([Id("T_NO_PL"), Id("T_ON_SIDE"), Id("T_ON_P1"), Id("T_ON_P2")], sorted);
    }

    [Fact]
    public void Iterative_auth_checks_apply_allowed_events_and_skip_rejected_ones()
    {
        var dag = new TestDag(KnownRoomVersions.V10);
        dag.Add(dag.Base, "T_BY_CAROL", EventTypes.Topic, "", Carol, "{}");
        dag.Add(dag.Base, "T_BY_ALICE", EventTypes.Topic, "", Alice, "{}");
        var state = StateResolutionV2.IterativeAuthChecks([Id("T_BY_ALICE"), Id("T_BY_CAROL")], new(dag.Base), dag.Source(), AuthRulesOptions.Default);
        Assert.Equal(Id("T_BY_ALICE"), state[new(EventTypes.Topic, "")]);
    }

    [Fact]
    public void Iterative_auth_checks_take_missing_keys_from_the_events_auth_events()
    {
        var dag = new TestDag(KnownRoomVersions.V10);
        dag.Add(dag.Base, "T", EventTypes.Topic, "", Alice, "{}");
        // Starting from empty state (as v2.1 does): create, power levels and Alice's membership come from auth_events.
        var state = StateResolutionV2.IterativeAuthChecks([Id("T")], [], dag.Source(), AuthRulesOptions.Default);
        Assert.Equal(Id("T"), state[new(EventTypes.Topic, "")]);

        // A rejected auth event is not used: without Alice's membership the topic fails.
        var source = new EventSource(dag.Fetch, id => id == Id("IMA"));
        var rejected = StateResolutionV2.IterativeAuthChecks([Id("T")], [], source, AuthRulesOptions.Default);
        Assert.Empty(rejected);
    }
}
