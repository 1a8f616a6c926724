namespace Vigil.Storage.Migrations;

/// <summary>The database's migration history does not match the scripts Vigil carries; start-up must stop.</summary>
public sealed class MigrationException(string message) : Exception(message);
