using Myelin.Protocol.Authorization;
using Myelin.Protocol.Events;
using Myelin.Protocol.Identifiers;
using Myelin.Protocol.RoomVersions;
using static Myelin.Protocol.Tests.Authorization.TestRoom;

namespace Myelin.Protocol.Tests.Authorization;

public class PowerLevelsTests
{
    private static PowerLevels Read(TestRoom room) =>
        PowerLevels.From(room.State.GetValueOrDefault(new(EventTypes.PowerLevels, "")), room.Create, room.Version);

    [Fact]
    public void Defaults_apply_when_properties_are_absent()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        room.SetPowerLevels(Alice, "{}");
        var levels = Read(room);
        Assert.Equal((50, 50, 50, 0, 50, 0, 0), (levels.Ban, levels.Kick, levels.Redact, levels.Invite, levels.StateDefault, levels.EventsDefault, levels.UsersDefault));
        Assert.Equal(50, levels.GetNotificationLevel());
        Assert.Equal(0, levels.GetUserLevel(UserId.Parse(Alice)));
    }

    [Fact]
    public void Explicit_values_win()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        room.SetPowerLevels(Alice, $"{{\"ban\":70,\"users_default\":5,\"events\":{{\"m.room.name\":20}},\"notifications\":{{\"room\":10}},\"users\":{{\"{Bob}\":60}}}}");
        var levels = Read(room);
        Assert.Equal(70, levels.Ban);
        Assert.Equal(60, levels.GetUserLevel(UserId.Parse(Bob)));
        Assert.Equal(5, levels.GetUserLevel(UserId.Parse(Carol)));
        Assert.Equal(20, levels.GetRequiredLevelForEvent(EventTypes.Name, isState: true));
        Assert.Equal(50, levels.GetRequiredLevelForEvent(EventTypes.Topic, isState: true));
        Assert.Equal(0, levels.GetRequiredLevelForEvent(EventTypes.Message, isState: false));
        Assert.Equal(10, levels.GetNotificationLevel("room"));
        Assert.True(levels.CanBan(UserId.Parse(Bob)) is false && levels.CanKick(UserId.Parse(Bob)));
    }

    [Fact]
    public void Without_power_levels_the_creator_has_100_before_v12()
    {
        var room = new TestRoom(KnownRoomVersions.V1, powerLevels: false);
        var levels = Read(room);
        Assert.False(levels.HasPowerLevelsEvent);
        Assert.Equal(100, levels.GetUserLevel(UserId.Parse(Alice)));
        Assert.Equal(0, levels.GetUserLevel(UserId.Parse(Bob)));
    }

    [Fact]
    public void Version_12_creators_are_infinite()
    {
        var room = new TestRoom(KnownRoomVersions.V12, $"\"additional_creators\":[\"{Erin}\"]");
        var levels = Read(room);
        Assert.Equal(PowerLevels.Infinite, levels.GetUserLevel(UserId.Parse(Alice)));
        Assert.Equal(PowerLevels.Infinite, levels.GetUserLevel(UserId.Parse(Erin)));
        Assert.Equal(50, levels.GetUserLevel(UserId.Parse(Bob)));
        Assert.Equal(2, levels.Creators.Count);
    }

    [Theory]
    [InlineData("1", "\" -007 \"", -7)]
    [InlineData("9", "\"+100\"", 100)]
    [InlineData("5", "50.57", 50)]
    [InlineData("5", "5.114698E4", 51146)]
    public void Historical_versions_read_stringy_and_floaty_levels(string version, string value, long expected)
    {
        var room = new TestRoom(KnownRoomVersions.All[version]);
        room.SetPowerLevels(Alice, $"{{\"users\":{{\"{Carol}\":{value}}}}}");
        Assert.Equal(expected, Read(room).GetUserLevel(UserId.Parse(Carol)));
    }

    [Fact]
    public void Version_10_ignores_stringy_levels_when_reading()
    {
        var room = new TestRoom(KnownRoomVersions.V10);
        room.SetPowerLevels(Alice, $"{{\"users_default\":3,\"users\":{{\"{Carol}\":\"100\"}}}}");
        Assert.Equal(3, Read(room).GetUserLevel(UserId.Parse(Carol)));
    }
}
