using System.Security.Cryptography;
using System.Text;

namespace Vigil.Storage.Migrations;

/// <summary>One versioned SQL script, named as Flyway names them: <c>V{version}__{description}.sql</c>.</summary>
public sealed record Migration(int Version, string Description, string Sql)
{
    /// <summary>SHA-256 of the script with line endings normalised, so a checkout on another OS does not look changed.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(
        SHA256.HashData(Encoding.UTF8.GetBytes(Sql.Replace("\r\n", "\n", StringComparison.Ordinal))));

    /// <summary>Parses <c>V001__create_readings.sql</c> into version 1, description "create readings".</summary>
    public static Migration FromFile(string fileName, string sql)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(fileName);
        var separator = name.IndexOf("__", StringComparison.Ordinal);
        if (!name.StartsWith('V') || separator < 2 || name.AsSpan(1, separator - 1).ContainsAnyExceptInRange('0', '9')
            || !int.TryParse(name.AsSpan(1, separator - 1), out var version))
        {
            throw new FormatException($"Migration file '{fileName}' is not named V<version>__<description>.sql");
        }

        return new Migration(version, name[(separator + 2)..].Replace('_', ' '), sql);
    }

    /// <summary>The migrations compiled into Vigil for a dialect ("sqlite" or "postgres"), in version order.</summary>
    public static IReadOnlyList<Migration> Embedded(string dialect)
    {
        var assembly = typeof(Migration).Assembly;
        var prefix = $"migrations/{dialect}/";
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            list.Add(FromFile(resource[prefix.Length..], reader.ReadToEnd()));
        }

        return Validate(list);
    }

    /// <summary>Reads every <c>V*.sql</c> in a directory (used by tests and by operators who stage scripts).</summary>
    public static IReadOnlyList<Migration> FromDirectory(string directory) =>
        Validate(Directory.EnumerateFiles(directory, "V*.sql").Select(f => FromFile(f, File.ReadAllText(f))).ToList());

    private static List<Migration> Validate(List<Migration> list)
    {
        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Version == list[i - 1].Version)
            {
                throw new FormatException($"Two migrations have version {list[i].Version}");
            }
        }

        return list;
    }
}
