using Myelin.Storage.Accounts;
using Myelin.Storage.AccountData;
using Myelin.Storage.Devices;
using Myelin.Storage.E2ee;
using Myelin.Storage.Engines;
using Myelin.Storage.Federation;
using Myelin.Storage.Events;
using Myelin.Storage.Filters;
using Myelin.Storage.Media;
using Myelin.Storage.Memberships;
using Myelin.Storage.Migrations;
using Myelin.Storage.Notifications;
using Myelin.Storage.Push;
using Myelin.Storage.Receipts;
using Myelin.Storage.Search;
using Myelin.Storage.Rooms;
using Myelin.Storage.State;
using Myelin.Storage.Streams;
using Myelin.Storage.ToDevice;
using Myelin.Storage.Users;

namespace Myelin.Storage;

/// <summary>
/// The homeserver's persistence: open it once at start-up with <see cref="OpenAsync"/> (which
/// migrates the schema), use the per-domain stores, dispose it at shutdown.
/// </summary>
public sealed class MyelinDatabase : IAsyncDisposable
{
    private readonly StorageEngine _engine;

    private MyelinDatabase(StorageEngine engine, int schemaVersion, DatabaseOptions options)
    {
        _engine = engine;
        SchemaVersion = schemaVersion;
        Users = new UserStore(engine);
        Profiles = new ProfileStore(engine);
        UserDirectory = new UserDirectoryStore(engine);
        Devices = new DeviceStore(engine);
        AccessTokens = new AccessTokenStore(engine);
        Streams = new StreamPositionStore(engine);
        Rooms = new RoomStore(engine);
        RoomAliases = new RoomAliasStore(engine);
        var stateGroups = new StateGroups(options.StateSnapshotInterval);
        Events = new EventStore(engine, stateGroups);
        State = new StateStore(engine, stateGroups);
        Memberships = new RoomMembershipStore(engine);
        ForgottenRooms = new ForgottenRoomStore(engine);
        RoomReports = new RoomReportStore(engine);
        RegistrationTokens = new RegistrationTokenStore(engine);
        UserTokens = new UserTokenStore(engine);
        ProfileFields = new ProfileFieldStore(engine);
        UserReports = new UserReportStore(engine);
        AccountData = new AccountDataStore(engine);
        Receipts = new ReceiptStore(engine);
        Filters = new FilterStore(engine);
        ToDevice = new ToDeviceStore(engine);
        Notifications = new NotificationStore(engine);
        ServerKeys = new ServerKeyStore(engine);
        FederationTransactions = new FederationTransactionStore(engine);
        E2eeKeys = new E2eeKeyStore(engine);
        ToDeviceTransactions = new ToDeviceTransactionStore(engine);
        RoomKeyBackups = new RoomKeyBackupStore(engine);
        RemoteDeviceLists = new RemoteDeviceListStore(engine);
        DeviceListOutbound = new DeviceListOutboundStore(engine);
        InboundToDevice = new InboundToDeviceStore(engine);
        Media = new MediaStore(engine);
        Pushers = new PusherStore(engine);
        Search = new SearchStore(engine);
        FederationOutbox = new FederationOutboxStore(engine);
        RemoteMedia = new RemoteMediaStore(engine);
    }

    public DatabaseEngineKind Engine => _engine.Dialect.Kind;

    /// <summary>
    /// Reports the duration of every database operation as (kind "read"/"write", store method, seconds), e.g. to
    /// Prometheus. One observer; a later call replaces it.
    /// </summary>
    public void ObserveTimings(Action<string, string, double>? observer) => _engine.Timing = observer;

    /// <summary>The schema version after migration (the highest numbered migration this code has).</summary>
    public int SchemaVersion { get; }

    public IUserStore Users { get; }
    public IProfileStore Profiles { get; }
    public IUserDirectoryStore UserDirectory { get; }
    public IDeviceStore Devices { get; }
    public IAccessTokenStore AccessTokens { get; }
    public IStreamPositionStore Streams { get; }
    public IRoomStore Rooms { get; }
    public IRoomAliasStore RoomAliases { get; }
    public IEventStore Events { get; }
    public IStateStore State { get; }
    public IRoomMembershipStore Memberships { get; }
    public IForgottenRoomStore ForgottenRooms { get; }
    public IRoomReportStore RoomReports { get; }
    public IRegistrationTokenStore RegistrationTokens { get; }
    public IUserTokenStore UserTokens { get; }
    public IProfileFieldStore ProfileFields { get; }
    public IUserReportStore UserReports { get; }
    public IAccountDataStore AccountData { get; }
    public IReceiptStore Receipts { get; }
    public IFilterStore Filters { get; }
    public IToDeviceStore ToDevice { get; }
    public INotificationStore Notifications { get; }
    public IServerKeyStore ServerKeys { get; }
    public IFederationTransactionStore FederationTransactions { get; }
    public IE2eeKeyStore E2eeKeys { get; }
    public IToDeviceTransactionStore ToDeviceTransactions { get; }
    public IRoomKeyBackupStore RoomKeyBackups { get; }
    public IRemoteDeviceListStore RemoteDeviceLists { get; }
    public IDeviceListOutboundStore DeviceListOutbound { get; }
    public IInboundToDeviceStore InboundToDevice { get; }
    public IMediaStore Media { get; }
    public IPusherStore Pushers { get; }
    public ISearchStore Search { get; }
    public IFederationOutboxStore FederationOutbox { get; }
    public IRemoteMediaStore RemoteMedia { get; }

    /// <summary>
    /// Opens (creating if needed) the configured database and applies pending migrations.
    /// Throws <see cref="DatabaseSchemaTooNewException"/> if a newer Myelin already migrated it,
    /// and <see cref="ArgumentException"/> for incomplete options.
    /// </summary>
    public static async Task<MyelinDatabase> OpenAsync(DatabaseOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StateSnapshotInterval, 1);
        StorageEngine engine = options.Engine switch
        {
            DatabaseEngineKind.Sqlite => await SqliteEngine.OpenAsync(options.SqlitePath(), cancellationToken),
            _ => new PostgresEngine(options.PostgresConnectionString()),
        };
        try
        {
            int version = await MigrationRunner.MigrateAsync(engine, cancellationToken);
            return new MyelinDatabase(engine, version, options);
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    private int _disposed;

    /// <summary>Waits for queued writes to commit, then closes all connections. Safe to call twice.</summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? _engine.DisposeAsync() : ValueTask.CompletedTask;
}
