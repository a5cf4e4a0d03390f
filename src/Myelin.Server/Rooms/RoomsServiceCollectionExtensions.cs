using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Accounts;
using Myelin.Server.Profiles;

namespace Myelin.Server.Rooms;

/// <summary>Registers the room services the client-server API uses.</summary>
public static class RoomsServiceCollectionExtensions
{
    public static IServiceCollection AddRooms(this IServiceCollection services)
    {
        services.AddSingleton<RoomStateAccess>();
        services.AddSingleton<RoomMembership>();
        services.AddSingleton<RoomCreator>();
        services.AddSingleton<ClientEventSender>();
        services.AddSingleton<RoomAliasDirectory>();
        services.AddSingleton<PublicRoomDirectory>();
        services.AddSingleton<RoomUpgrader>();
        services.AddSingleton<ContentReports>();
        services.AddSingleton<IProfileChangeHandler, MemberProfileUpdater>();
        services.AddSingleton<IAccountDeactivationHandler, DeactivatedUserRoomLeaver>();
        return services;
    }
}
