namespace Myelin.Storage.Tests.Infrastructure;

/// <summary>
/// Base of every storage test class: each test gets its own fresh database on <see cref="Engine"/>.
/// Each test class is abstract with one sealed subclass per engine, so every test runs on both.
/// </summary>
public abstract class StorageTestBase : IAsyncLifetime
{
    protected abstract DatabaseEngineKind Engine { get; }

    /// <summary>Chained deltas before a state snapshot; tests of the snapshot path lower it.</summary>
    protected virtual int StateSnapshotInterval => 100;

    protected TestDatabase Test { get; private set; } = null!;

    protected MyelinDatabase Db => Test.Database;

    public async Task InitializeAsync() => Test = await TestDatabase.CreateAsync(Engine, StateSnapshotInterval);

    public async Task DisposeAsync()
    {
        if (Test is not null)
        {
            await Test.DisposeAsync();
        }
    }
}
