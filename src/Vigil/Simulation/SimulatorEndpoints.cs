using Vigil.Api;
using Vigil.Domain;
using Vigil.Domain.Simulation;
using Vigil.Security;

namespace Vigil.Simulation;

/// <summary>
/// The demo ward's control API (policy manage, the demo customer only; any other customer gets 404): read its
/// state, start and stop it, and put a patient on another course.
/// </summary>
public static class SimulatorEndpoints
{
    public sealed record ScenarioRequest(string? Scenario);

    public static RouteGroupBuilder MapSimulator(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/simulator").WithTags("Simulator").RequireAuthorization(Access.Manage);
        group.MapGet("/", (HttpContext http, DemoWard demo) => With(http, demo, run => TypedResults.Ok(run.Status())))
            .Produces<SimulationStatus>().ProducesProblem(404).ProducesProblem(503);
        group.MapPost("/start", (HttpContext http, DemoWard demo) => With(http, demo, run =>
        {
            run.Start(http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            return TypedResults.Ok(run.Status());
        })).Produces<SimulationStatus>().ProducesProblem(404).ProducesProblem(503);
        group.MapPost("/stop", async (HttpContext http, DemoWard demo) => await WithAsync(http, demo, async run =>
        {
            await run.StopAsync();
            return TypedResults.Ok(run.Status());
        })).Produces<SimulationStatus>().ProducesProblem(404).ProducesProblem(503);
        group.MapPut("/patients/{id}/scenario", async (HttpContext http, DemoWard demo, string id, CancellationToken ct) =>
        {
            var (request, problem) = await JsonBody.ReadAsync<ScenarioRequest>(http.Request, ct);
            if (problem is not null)
            {
                return problem;
            }

            return With(http, demo, run =>
            {
                if (request!.Scenario is not { } scenario || !Scenario.Courses.Contains(scenario))
                {
                    return Problems.Invalid("scenario", $"must be one of {string.Join(", ", Scenario.Courses)}");
                }

                if (!run.ChangeCourse(id, scenario))
                {
                    return Problems.NotFound($"Simulated patient '{id}'");
                }

                return TypedResults.Ok(run.Status().Patients.Single(p => p.Id == id));
            });
        }).Produces<SimulatedPatientStatus>().ProducesProblem(404).ProducesProblem(422).ProducesProblem(503);
        return group;
    }

    private static async Task<IResult> WithAsync(HttpContext http, DemoWard demo, Func<SimulationRun, Task<IResult>> action) =>
        Unavailable(http, demo) ?? await action(demo.Run!);

    private static IResult With(HttpContext http, DemoWard demo, Func<SimulationRun, IResult> action) =>
        Unavailable(http, demo) ?? action(demo.Run!);

    /// <summary>The answer when the caller may not use the simulator or it is not ready yet; null when it may go on.</summary>
    private static IResult? Unavailable(HttpContext http, DemoWard demo)
    {
        // The simulator belongs to the demo customer; to anyone else it does not exist.
        if (Caller.From(http.User).Tenant != DemoWard.Settings.CustomerId)
        {
            return Problems.NotFound("The simulator");
        }

        if (demo.Run is null)
        {
            http.Response.Headers.RetryAfter = "1";
            return Problems.Create(503, "Simulator starting", "The demo ward is still being set up; retry.");
        }

        return null;
    }
}
