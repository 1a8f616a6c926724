using Microsoft.AspNetCore.Authorization;
using Vigil.Domain.Reference;

namespace Vigil.Security;

/// <summary>
/// The role matrix, written once: each policy names the roles it admits and whether the caller must belong to a
/// customer (tenant data), must not (system administration), or either. Every endpoint names one policy.
/// A system key (admin of no customer) manages customers and keys; it does not see patients' data.
/// </summary>
public static class Access
{
    /// <summary>Read a customer's data: patients, readings, events, reference data.</summary>
    public const string Read = "read";

    /// <summary>Send readings and clinical events.</summary>
    public const string Ingest = "ingest";

    /// <summary>Act on a customer's patients' care: acknowledge and resolve alerts, set alert thresholds.</summary>
    public const string Care = "care";

    /// <summary>Change a customer's reference data: departments, patients, devices.</summary>
    public const string Manage = "manage";

    /// <summary>Create and delete customers.</summary>
    public const string System = "system";

    /// <summary>Create, list and revoke API keys (a customer admin for its own customer, a system admin for any).</summary>
    public const string Keys = "keys";

    /// <summary>See customers: a tenant's people see their own, a system admin sees all.</summary>
    public const string Customers = "customers";

    /// <summary>Open the dashboard's live stream, with a stream token (the StreamToken scheme) rather than a key or bearer token.</summary>
    public const string Stream = "stream";

    /// <summary>Anything any caller of a known role may see (the OpenAPI document).</summary>
    public const string Any = "any";

    /// <summary>The authentication scheme of <see cref="Stream"/> (Vigil.Dashboard.StreamTokenAuthenticationHandler).</summary>
    public const string StreamScheme = "StreamToken";

    private enum Tenancy
    {
        Required,
        Forbidden,
        Either,
    }

    private static readonly (string Policy, string[] Roles, Tenancy Tenancy)[] Matrix =
    [
        (Read, [Role.Admin, Role.Clinician, Role.Viewer], Tenancy.Required),
        (Ingest, [Role.Admin, Role.Clinician, Role.Device], Tenancy.Required),
        (Care, [Role.Admin, Role.Clinician], Tenancy.Required),
        (Manage, [Role.Admin], Tenancy.Required),
        (System, [Role.Admin], Tenancy.Forbidden),
        (Keys, [Role.Admin], Tenancy.Either),
        (Customers, [Role.Admin, Role.Clinician, Role.Viewer], Tenancy.Either),
        (Stream, [Role.Admin, Role.Clinician, Role.Viewer], Tenancy.Required),
        (Any, [Role.Admin, Role.Clinician, Role.Viewer, Role.Device], Tenancy.Either),
    ];

    /// <summary>Which roles each policy admits, for documentation and the role-walk test.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> RolesByPolicy { get; } =
        Matrix.ToDictionary(m => m.Policy, m => (IReadOnlyList<string>)m.Roles);

    public static void AddPolicies(AuthorizationOptions options)
    {
        foreach (var (policy, roles, tenancy) in Matrix)
        {
            options.AddPolicy(policy, p =>
            {
                if (policy == Stream)
                {
                    p.AddAuthenticationSchemes(StreamScheme);
                }

                p.RequireAuthenticatedUser().RequireRole(roles);
                switch (tenancy)
                {
                    case Tenancy.Required:
                        p.RequireClaim(Caller.CustomerClaim);
                        break;
                    case Tenancy.Forbidden:
                        p.RequireAssertion(c => !c.User.HasClaim(x => x.Type == Caller.CustomerClaim));
                        break;
                }
            });
        }

        // An endpoint naming no policy still needs a caller holding one of Vigil's roles: a bearer token whose roles
        // Vigil does not know authenticates, and is refused with 403 everywhere.
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(Role.All).Build();
    }
}
