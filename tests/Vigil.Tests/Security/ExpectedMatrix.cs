using Vigil.Security;

namespace Vigil.Tests.Security;

/// <summary>
/// The role matrix as the issue states it, written here rather than read from <see cref="Access"/>: who may do what,
/// and whether the caller must belong to a customer. The matrix tests walk endpoints against this.
/// </summary>
public static class ExpectedMatrix
{
    public enum Tenancy { Required, Forbidden, Either }

    public static readonly IReadOnlyDictionary<string, (string[] Roles, Tenancy Tenancy)> Policies = new Dictionary<string, (string[], Tenancy)>
    {
        [Access.Read] = (["admin", "clinician", "viewer"], Tenancy.Required),
        [Access.Ingest] = (["admin", "clinician", "device"], Tenancy.Required),
        [Access.Care] = (["admin", "clinician"], Tenancy.Required),
        [Access.Manage] = (["admin"], Tenancy.Required),
        [Access.System] = (["admin"], Tenancy.Forbidden),
        [Access.Keys] = (["admin"], Tenancy.Either),
        [Access.Customers] = (["admin", "clinician", "viewer"], Tenancy.Either),
        [Access.Stream] = (["admin", "clinician", "viewer"], Tenancy.Required),
        [Access.Any] = (["admin", "clinician", "viewer", "device"], Tenancy.Either),
    };

    /// <summary>Whether <paramref name="policy"/> admits <paramref name="role"/> of a customer, or of none (a system administrator).</summary>
    public static bool Admits(string policy, string role, bool system) =>
        Policies.TryGetValue(policy, out var entry) && entry.Roles.Contains(role) && entry.Tenancy switch
        {
            Tenancy.Required => !system,
            Tenancy.Forbidden => system,
            _ => true,
        };
}
