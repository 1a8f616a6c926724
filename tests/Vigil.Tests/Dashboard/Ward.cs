using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>A customer with a department "icu" and patients in it, and readings posted the way a monitor posts them.</summary>
public sealed class Ward(VigilServer server, Tenant tenant)
{
    public Tenant Tenant { get; } = tenant;

    public string Id => Tenant.Id;

    public static async Task<Ward> CreateAsync(VigilServer server, string name, params string[] patients)
    {
        var tenant = await Tenant.CreateAsync(server, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id = "icu", name = "Intensive care" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        foreach (var patient in patients)
        {
            (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = patient, name = $"Patient {patient}", mrn = $"M-{patient}", departmentId = "icu" }))
                .StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        return new Ward(server, tenant);
    }

    /// <summary>Posts readings (id, patient, type, value; observed now) and waits until the analyze role has committed them.</summary>
    public async Task PostAsync(params (string Id, string PatientId, string Type, double Value)[] readings)
    {
        var analyzer = server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();
        var handled = readings.Select(r => analyzer.WhenHandled(Id, r.Id)).ToList();
        var at = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O");
        (await Tenant.Device.PostJsonAsync("/api/v1/readings",
                readings.Select(r => new { id = r.Id, patientId = r.PatientId, type = r.Type, value = r.Value, observedAt = at }).ToArray()))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
    }
}
