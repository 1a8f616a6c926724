using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Security.Jwt;

namespace Vigil.Security;

/// <summary>
/// Authentication and the role matrix of <see cref="Access"/>. One default scheme picks by header: a request with
/// <c>Authorization: Bearer</c> is a person's token (<see cref="JwtAuthenticationHandler"/>), anything else is checked
/// as an API key (<see cref="ApiKeyAuthenticationHandler"/>).
/// </summary>
public static class SecurityModule
{
    public const string SchemeName = "Vigil";

    public static IHostApplicationBuilder AddVigilSecurity(this IHostApplicationBuilder builder)
    {
        // Settings that cannot work stop the start before anything is registered; options validation backs this up for
        // settings added later (tests).
        if ((builder.Configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions()).Problem() is { } problem)
        {
            throw new Hosting.StartupException(problem);
        }

        builder.Services.AddSingleton<ApiKeyCache>();
        builder.Services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JwtOptions>, JwtOptionsValidation>());
        builder.Services.AddSingleton<JwtKeys>();
        builder.Services.AddSingleton<JwtValidator>();
        builder.Services.AddAuthentication(SchemeName)
            .AddPolicyScheme(SchemeName, "API key or bearer token", o => o.ForwardDefaultSelector = http =>
                JwtAuthenticationHandler.TryReadToken(http.Request, out _) ? JwtAuthenticationHandler.SchemeName : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, JwtAuthenticationHandler>(JwtAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(Access.AddPolicies);
        return builder;
    }
}
