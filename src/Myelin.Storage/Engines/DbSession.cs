using System.Data.Common;

namespace Myelin.Storage.Engines;

/// <summary>
/// One open connection (and, for writes, its transaction) with small helpers that bind
/// <c>@name</c> parameters. Stores are written once against this and run on both engines.
/// </summary>
internal sealed class DbSession
{
    public DbSession(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        Connection = connection;
        Transaction = transaction;
        CancellationToken = cancellationToken;
    }

    public DbConnection Connection { get; }
    public DbTransaction? Transaction { get; }
    public CancellationToken CancellationToken { get; }

    public async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = CreateCommand(sql, parameters);
        return await command.ExecuteNonQueryAsync(CancellationToken);
    }

    public async Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = CreateCommand(sql, parameters);
        object? value = await command.ExecuteScalarAsync(CancellationToken);
        return value is DBNull ? null : value;
    }

    public async Task<long?> ScalarInt64Async(string sql, params (string Name, object? Value)[] parameters)
    {
        object? value = await ScalarAsync(sql, parameters);
        return value is null ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        await using var command = CreateCommand(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(CancellationToken))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    public async Task<T?> QuerySingleAsync<T>(string sql, Func<DbDataReader, T> map, params (string Name, object? Value)[] parameters)
        where T : class
    {
        await using var command = CreateCommand(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken);
        return await reader.ReadAsync(CancellationToken) ? map(reader) : null;
    }

    public DbCommand CreateCommand(string sql, (string Name, object? Value)[] parameters)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = Transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>
    /// Expands a list into <c>@prefix0, @prefix1, ...</c> for an <c>IN (...)</c> clause; both engines
    /// accept it, unlike PostgreSQL's <c>= ANY(@array)</c>.
    /// </summary>
    public static (string Sql, (string Name, object? Value)[] Parameters) InList<T>(string prefix, IReadOnlyList<T> values, Func<T, object?> select)
    {
        var names = new string[values.Count];
        var parameters = new (string, object?)[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            names[i] = "@" + prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters[i] = (names[i], select(values[i]));
        }
        return (string.Join(", ", names), parameters);
    }
}
