using Microsoft.Extensions.Options;

namespace Vigil.Security.Jwt;

/// <summary>Refuses, at start-up, bearer-token settings that cannot work (<see cref="JwtOptions.Problem"/>).</summary>
public sealed class JwtOptionsValidation : IValidateOptions<JwtOptions>
{
    public ValidateOptionsResult Validate(string? name, JwtOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
