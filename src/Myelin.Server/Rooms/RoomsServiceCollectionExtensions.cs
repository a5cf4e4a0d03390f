using Microsoft.Extensions.DependencyInjection;

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
        return services;
    }
}
