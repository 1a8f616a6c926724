namespace Vigil.Security;

/// <summary>
/// Endpoint metadata naming the <see cref="Access"/> policy an endpoint enforces itself rather than through ASP.NET's
/// authorization middleware (the gRPC methods, which must answer in gRPC's own status codes). The role-walk test reads
/// it beside the ordinary <c>RequireAuthorization</c> policies.
/// </summary>
public sealed record AccessPolicy(string Name);
