using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using Myelin.Protocol.StateResolution;
using static Myelin.Protocol.Tests.StateResolution.TestDag;

namespace Myelin.Protocol.Tests.StateResolution;

/// <summary>Scenarios in the style of Synapse's state-resolution tests, rebuilt from the spec's algorithm.</summary>
public class StateResolverTests
{
    public static TheoryData<string> V2Versions() => new("2", "6", "10", "11", "12");

    private static readonly StateKey PowerLevels = new(EventTypes.PowerLevels, "");
    private static readonly StateKey JoinRules = new(EventTypes.JoinRules, "");
    private static readonly StateKey Topic = new(EventTypes.Topic, "");
    private static StateKey MemberKey(string user) => new(EventTypes.Member, user);

    [Theory]
    [MemberData(nameof(V2Versions))]
    public void Ban_beats_power_level_change_by_the_banned_user(string v)
    {
        var dag = new TestDag(KnownRoomVersions.All[v]);
        string bobMod = dag.Version.PrivilegedCreators ? $"{{\"users\":{{\"{Bob}\":50}}}}" : $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}";
        var pa = dag.Add(dag.Base, "PA", EventTypes.PowerLevels, "", Alice, bobMod);
        var ma = dag.Member(pa, "MA", Alice, Alice, "join");
        var mb = dag.Member(ma, "MB", Bob, Alice, "ban");
        var pb = dag.Add(pa, "PB", EventTypes.PowerLevels, "", Bob, bobMod);

        var resolved = dag.Resolve(mb, pb);

        Assert.Equal(Id("PA"), resolved[PowerLevels]);
        Assert.Equal(Id("MB"), resolved[MemberKey(Bob)]);
        Assert.Equal(Id("MA"), resolved[MemberKey(Alice)]);
    }

    [Theory]
    [MemberData(nameof(V2Versions))]
    public void Topic_from_a_banned_user_does_not_reset_the_topic(string v)
    {
        var dag = new TestDag(KnownRoomVersions.All[v]);
        string bobMod = dag.Version.PrivilegedCreators ? $"{{\"users\":{{\"{Bob}\":50}}}}" : $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":50}}}}";
        var t1 = dag.Add(dag.Base, "T1", EventTypes.Topic, "", Alice, "{\"topic\":\"one\"}");
        var pa = dag.Add(t1, "PA", EventTypes.PowerLevels, "", Alice, bobMod);
        var t2 = dag.Add(pa, "T2", EventTypes.Topic, "", Bob, "{\"topic\":\"two\"}");
        var mb = dag.Member(t1, "MB", Bob, Alice, "ban");

        var resolved = dag.Resolve(t2, mb);

        Assert.Equal(Id("T1"), resolved[Topic]);
        Assert.Equal(Id("MB"), resolved[MemberKey(Bob)]);
        Assert.Equal(Id("PA"), resolved[PowerLevels]);
    }

    [Theory]
    [MemberData(nameof(V2Versions))]
    public void Later_mainline_position_beats_later_timestamp(string v)
    {
        var dag = new TestDag(KnownRoomVersions.All[v]);
        string users(int bob) => dag.Version.PrivilegedCreators ? $"{{\"users\":{{\"{Bob}\":{bob}}}}}" : $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":{bob}}}}}";
        var pa1 = dag.Add(dag.Base, "PA1", EventTypes.PowerLevels, "", Alice, users(50));
        var t2 = dag.Add(pa1, "T2", EventTypes.Topic, "", Alice, "{\"topic\":\"two\"}");
        var pa2 = dag.Add(t2, "PA2", EventTypes.PowerLevels, "", Alice, users(0));
        var t3 = dag.Add(pa1, "T3", EventTypes.Topic, "", Alice, "{\"topic\":\"three\"}", ts: 1_000_000);
        var t4 = dag.Add(pa2, "T4", EventTypes.Topic, "", Alice, "{\"topic\":\"four\"}");

        var resolved = dag.Resolve(t4, t3);

        Assert.Equal(Id("PA2"), resolved[PowerLevels]);
        Assert.Equal(Id("T4"), resolved[Topic]);
    }

    [Theory]
    [MemberData(nameof(V2Versions))]
    public void Join_during_join_rule_change_to_invite_is_rejected(string v)
    {
        var dag = new TestDag(KnownRoomVersions.All[v]);
        var jr = dag.Add(dag.Base, "JR", EventTypes.JoinRules, "", Alice, "{\"join_rule\":\"invite\"}");
        var me = dag.Member(dag.Base, "ME", Evelyn, Evelyn, "join");

        var resolved = dag.Resolve(jr, me);

        Assert.Equal(Id("JR"), resolved[JoinRules]);
        Assert.False(resolved.ContainsKey(MemberKey(Evelyn)));
    }

    [Theory]
    [MemberData(nameof(V2Versions))]
    public void Offtopic_power_levels_chain_applies_in_order(string v)
    {
        var dag = new TestDag(KnownRoomVersions.All[v]);
        string alice = dag.Version.PrivilegedCreators ? "" : $"\"{Alice}\":100,";
        var pa = dag.Add(dag.Base, "PA", EventTypes.PowerLevels, "", Alice, $"{{\"users\":{{{alice}\"{Bob}\":50}}}}");
        var pb = dag.Add(pa, "PB", EventTypes.PowerLevels, "", Bob, $"{{\"users\":{{{alice}\"{Bob}\":50,\"{Carol}\":50}}}}");
        var pc = dag.Add(pb, "PC", EventTypes.PowerLevels, "", Carol, $"{{\"users\":{{{alice}\"{Bob}\":50,\"{Carol}\":0}}}}");

        Assert.Equal(Id("PC"), dag.Resolve(pc, pa)[PowerLevels]);
    }

    [Theory]
    [MemberData(nameof(V2Versions))]
    public void Kick_and_power_level_demotion_race_resolves_by_power(string v)
    {
        // Bob (moderator) kicks Carol while Alice demotes Bob: Alice's higher power sorts her change first, so
        // Bob's kick fails against the demoted levels.
        var dag = new TestDag(KnownRoomVersions.All[v]);
        string users(int bob) => dag.Version.PrivilegedCreators ? $"{{\"users\":{{\"{Bob}\":{bob}}}}}" : $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":{bob}}}}}";
        var pa = dag.Add(dag.Base, "PA", EventTypes.PowerLevels, "", Alice, users(50));
        var demote = dag.Add(pa, "PD", EventTypes.PowerLevels, "", Alice, users(0));
        var kick = dag.Member(pa, "KC", Carol, Bob, "leave");

        var resolved = dag.Resolve(demote, kick);

        Assert.Equal(Id("PD"), resolved[PowerLevels]);
        Assert.Equal(Id("IMC"), resolved[MemberKey(Carol)]);
    }

    [Theory]
    [MemberData(nameof(V2Versions))]
    public void Unconflicted_state_is_kept_and_single_set_is_returned_as_is(string v)
    {
        var dag = new TestDag(KnownRoomVersions.All[v]);
        var t = dag.Add(dag.Base, "T", EventTypes.Topic, "", Alice, "{\"topic\":\"x\"}");
        var n = dag.Add(t, "N", EventTypes.Name, "", Alice, "{\"name\":\"x\"}");
        Assert.Equal(n, dag.Resolve(n));
        Assert.Equal(n, dag.Resolve(n, n));
        var resolved = dag.Resolve(n, t);
        Assert.Equal(Id("N"), resolved[new(EventTypes.Name, "")]);
        Assert.Equal(Id("T"), resolved[Topic]);
    }

    [Fact]
    public void Missing_event_is_a_clear_error()
    {
        var dag = new TestDag(KnownRoomVersions.V10);
        var a = new Dictionary<StateKey, EventId>(dag.Base) { [Topic] = Id("NOPE") };
        var b = dag.Add(dag.Base, "T", EventTypes.Topic, "", Alice, "{}");
        var e = Assert.Throws<StateResolutionException>(() => dag.Resolve(a, b));
        Assert.Equal(Id("NOPE"), e.MissingEventId);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("12")]
    public void Result_does_not_depend_on_the_order_of_state_sets(string v)
    {
        var random = new Random(1234);
        for (int round = 0; round < 20; round++)
        {
            var dag = new TestDag(KnownRoomVersions.All[v]);
            var forks = new List<Dictionary<StateKey, EventId>>();
            string[] senders = [Alice, Bob, Carol, Zara];
            for (int f = 0; f < 4; f++)
            {
                var state = dag.Base;
                for (int i = 0; i < 6; i++)
                {
                    string name = $"F{f}E{i}";
                    string sender = senders[random.Next(senders.Length)];
                    state = random.Next(5) switch
                    {
                        0 => dag.Add(state, name, EventTypes.Topic, "", sender, $"{{\"topic\":\"{name}\"}}", ts: random.Next(1000)),
                        1 => dag.Add(state, name, EventTypes.PowerLevels, "", sender,
                            dag.Version.PrivilegedCreators ? $"{{\"users\":{{\"{Bob}\":{random.Next(3) * 25}}}}}" : $"{{\"users\":{{\"{Alice}\":100,\"{Bob}\":{random.Next(3) * 25}}}}}", ts: random.Next(1000)),
                        2 => dag.Member(state, name, senders[random.Next(1, senders.Length)], sender, random.Next(2) == 0 ? "ban" : "leave"),
                        3 => dag.Add(state, name, EventTypes.JoinRules, "", sender, $"{{\"join_rule\":\"{(random.Next(2) == 0 ? "invite" : "public")}\"}}", ts: random.Next(1000)),
                        _ => dag.Add(state, name, EventTypes.Name, "", sender, $"{{\"name\":\"{name}\"}}", ts: random.Next(1000)),
                    };
                }
                forks.Add(state);
            }
            var expected = StateResolver.Resolve(dag.Version, forks, dag.Fetch);
            for (int shuffle = 0; shuffle < 5; shuffle++)
            {
                var order = forks.OrderBy(_ => random.Next()).ToList();
                var actual = StateResolver.Resolve(dag.Version, order, dag.Fetch);
                Assert.Equal(expected.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal), actual.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal));
            }
        }
    }
}
