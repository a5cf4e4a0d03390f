using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Myelin.Server.Accounts;
using Myelin.Server.Authentication;
using Myelin.Server.ClientApi.AccountData;
using Myelin.Server.ClientApi.Accounts;
using Myelin.Server.ClientApi.Admin;
using Myelin.Server.ClientApi.Capabilities;
using Myelin.Server.ClientApi.Directory;
using Myelin.Server.ClientApi.Filters;
using Myelin.Server.ClientApi.KeyBackup;
using Myelin.Server.ClientApi.Keys;
using Myelin.Server.ClientApi.Media;
using Myelin.Server.ClientApi.Presence;
using Myelin.Server.ClientApi.Profiles;
using Myelin.Server.ClientApi.Push;
using Myelin.Server.ClientApi.PushRules;
using Myelin.Server.ClientApi.Receipts;
using Myelin.Server.ClientApi.Search;
using Myelin.Server.ClientApi.Rooms;
using Myelin.Server.ClientApi.Spaces;
using Myelin.Server.ClientApi.Sync;
using Myelin.Server.ClientApi.ThirdParty;
using Myelin.Server.ClientApi.Timeline;
using Myelin.Server.ClientApi.ToDevice;
using Myelin.Server.ClientApi.Typing;
using Myelin.Server.ClientApi.Voip;
using Myelin.Server.Configuration;
using Myelin.Server.E2ee;
using Myelin.Server.Ephemeral;
using Myelin.Server.Events;
using Myelin.Server.Media;
using Myelin.Server.Profiles;
using Myelin.Server.Push;
using Myelin.Server.Rooms;
using Myelin.Server.Search;
using Myelin.Server.Streams;
using Myelin.Server.Sync;
using Myelin.Server.Timeline;
using Myelin.Server.Visibility;
namespace Myelin.Server.ClientApi;

/// <summary>Registers the client-server API's services and endpoints. One line per area.</summary>
public static class ClientApiRegistration
{
    public static IServiceCollection AddClientApi(this IServiceCollection services)
    {
        services.AddSingleton<Notifier>();
        services.AddSingleton<AccessTokenAuthenticator>();
        services.AddSingleton<UserInteractiveAuth>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TypingTracker>();
        services.AddAccounts();
        services.AddProfiles();
        services.AddSingleton<RoomEvents>();
        services.AddSingleton<RoomEventWriter>();
        services.AddSingleton<ClientEvents>();
        services.AddSync();
        services.AddVisibility();
        services.AddRooms();
        services.AddTimeline();
        services.AddSpaces();
        services.AddE2ee();
        services.AddMedia();
        services.AddPush();
        services.AddSearch();
        return services;
    }

    public static IEndpointRouteBuilder MapClientApi(this IEndpointRouteBuilder app)
    {
        app.MapSyncApi();
        app.MapReceiptApi();
        app.MapTypingApi();
        app.MapPresenceApi();
        app.MapRegistrationApi();
        app.MapLoginApi();
        app.MapAccountManagementApi();
        app.MapDeviceApi();
        app.MapProfileApi();
        app.MapAccountDataApi();
        app.MapFilterApi();
        app.MapPushRuleApi();
        app.MapCapabilitiesApi();
        app.MapAdminApi();
        app.MapOpenIdApi();
        app.MapSupportApi();
        app.MapSynapseAdminApi();
        app.MapCreateRoomApi();
        app.MapMembershipApi();
        app.MapRoomEventApi();
        app.MapRoomStateApi();
        app.MapRoomAliasApi();
        app.MapPublicRoomsApi();
        app.MapMessagesApi();
        app.MapRelationsApi();
        app.MapLegacySyncApi();
        app.MapSpacesApi();
        app.MapRoomSummaryApi();
        app.MapMutualRoomsApi();
        app.MapThirdPartyApi();
        app.MapVoipApi();
        app.MapRoomUpgradeApi();
        app.MapReportApi();
        app.MapKeysApi();
        app.MapCrossSigningApi();
        app.MapKeyBackupApi();
        app.MapToDeviceApi();
        app.MapMediaApi();
        app.MapUrlPreviewApi();
        app.MapMediaAdminApi();
        app.MapPusherApi();
        app.MapNotificationApi();
        app.MapSearchApi();
        return app;
    }
}
