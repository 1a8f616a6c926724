using Microsoft.AspNetCore.Authentication;

namespace Vigil.Security;

/// <summary>API-key authentication and the role matrix of <see cref="Access"/>.</summary>
public static class SecurityModule
{
    public static IHostApplicationBuilder AddVigilSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiKeyCache>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(Access.AddPolicies);
        return builder;
    }
}
