namespace Myelin.Storage.Migrations;

/// <summary>One numbered schema step: an embedded <c>Migrations/{Engine}/NNNN_name.sql</c> script.</summary>
internal sealed record Migration(int Version, string Name, string Sql);
