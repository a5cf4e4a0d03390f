using Myelin.Load.Client;

namespace Myelin.Load.Users;

/// <summary>
/// Hands out accounts to scenarios: registers fresh ones (open or shared-secret registration) with unique localparts
/// per run, or takes the next pre-made one from the users file.
/// </summary>
public sealed class UserProvisioner
{
    private readonly MatrixClient _client;
    private readonly List<LoadUser> _fileUsers;
    private int _nextFileUser;

    public UserProvisioner(MatrixClient client, RegistrationMode mode, string? sharedSecret, IReadOnlyList<LoadUser> fileUsers, string localpartPrefix, string password)
    {
        _client = client;
        Mode = mode;
        SharedSecret = sharedSecret;
        _fileUsers = [.. fileUsers];
        LocalpartPrefix = localpartPrefix;
        Password = password;
    }

    public RegistrationMode Mode { get; }

    public string? SharedSecret { get; }

    /// <summary>Prepended to every localpart so repeated runs against the same server never collide.</summary>
    public string LocalpartPrefix { get; }

    public string Password { get; }

    /// <summary>True when the provisioner can make new accounts (and so knows their passwords, for /login).</summary>
    public bool CanRegister => Mode != RegistrationMode.File;

    /// <summary>Registers <c>{prefix}{name}</c>, or takes the next user from the file.</summary>
    public async Task<LoadUser> CreateAsync(string name, CancellationToken ct)
    {
        switch (Mode)
        {
            case RegistrationMode.Open:
                return await _client.RegisterAsync(LocalpartPrefix + name, Password, ct);
            case RegistrationMode.SharedSecret:
                return await _client.RegisterWithSharedSecretAsync(SharedSecret!, LocalpartPrefix + name, Password, ct);
            default:
                int index = Interlocked.Increment(ref _nextFileUser) - 1;
                if (index >= _fileUsers.Count)
                {
                    throw new InvalidOperationException($"the users file has {_fileUsers.Count} users; this scenario needs more.");
                }
                return _fileUsers[index];
        }
    }

    /// <summary>Creates <paramref name="count"/> users named <c>{role}{i}</c>, <paramref name="parallelism"/> at a time, in order.</summary>
    public async Task<LoadUser[]> CreateManyAsync(string role, int count, int parallelism, CancellationToken ct)
    {
        var users = new LoadUser[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
            async (i, token) => users[i] = await CreateAsync(role + i.ToString(System.Globalization.CultureInfo.InvariantCulture), token));
        return users;
    }
}
