using System.Globalization;
using System.Reflection;
using Myelin.Storage.Engines;

namespace Myelin.Storage.Migrations;

/// <summary>
/// Applies the engine's pending numbered migrations at start-up, all in one transaction, and records
/// each in <c>schema_version</c>. Refuses a database whose schema is newer than this code.
/// Numbers are reserved per feature branch, so the sequence may have gaps while branches land: a migration is
/// pending when <c>schema_version</c> does not list it (not merely when it is above the highest applied one).
/// </summary>
internal static class MigrationRunner
{
    public static IReadOnlyList<Migration> Load(SqlDialect dialect)
    {
        var assembly = typeof(MigrationRunner).Assembly;
        string prefix = $"{typeof(MigrationRunner).Namespace}.{dialect.MigrationsFolder}.";
        var migrations = new List<Migration>();
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }
            string fileName = resource[prefix.Length..^".sql".Length];
            int underscore = fileName.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(fileName[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            {
                throw new InvalidOperationException($"Migration resource '{resource}' is not named NNNN_name.sql.");
            }
            migrations.Add(new Migration(version, fileName[(underscore + 1)..], ReadResource(assembly, resource)));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version < 1 || (i > 0 && migrations[i].Version == migrations[i - 1].Version))
            {
                throw new InvalidOperationException($"Migrations for {dialect.Kind} must have distinct positive numbers; found {migrations[i].Version} twice or out of range.");
            }
        }
        return migrations;
    }

    /// <summary>Brings the schema up to date and returns its version.</summary>
    public static Task<int> MigrateAsync(StorageEngine engine, CancellationToken cancellationToken)
    {
        var migrations = Load(engine.Dialect);
        int codeVersion = migrations.Count == 0 ? 0 : migrations[^1].Version;
        return engine.WriteAsync(async db =>
        {
            if (engine.Dialect.MigrationLockSql is { } lockSql)
            {
                await db.ExecuteAsync(lockSql);
            }
            await db.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ts BIGINT NOT NULL)");
            int current = (int)(await db.ScalarInt64Async("SELECT MAX(version) FROM schema_version") ?? 0);
            if (current > codeVersion)
            {
                throw new DatabaseSchemaTooNewException(current, codeVersion);
            }
            var applied = (await db.QueryAsync("SELECT version FROM schema_version", r => Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture))).ToHashSet();
            foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
            {
                await db.ExecuteAsync(migration.Sql);
                await db.ExecuteAsync(
                    "INSERT INTO schema_version (version, name, applied_ts) VALUES (@version, @name, @ts)",
                    ("version", (long)migration.Version), ("name", migration.Name), ("ts", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            }
            return codeVersion;
        }, cancellationToken);
    }

    private static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded migration '{resource}'.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
