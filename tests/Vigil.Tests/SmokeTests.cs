using System.Net;
using System.Net.Http.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task A_reading_posted_by_a_device_is_acknowledged_and_can_be_read_back()
    {
        await using var server = await VigilServer.StartAsync();
        var adminKey = await server.CreateCustomerAsync("c1");
        using var admin = server.Client(adminKey);
        (await admin.PostAsJsonAsync("/api/v1/patients", new { id = "p1", name = "Ann" }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var deviceKey = await server.CreateKeyAsync("c1", "device");
        using var device = server.Client(deviceKey);

        var response = await device.PostAsJsonAsync("/api/v1/readings",
            new { id = "r1", patientId = "p1", type = "heart_rate", value = 72, observedAt = "2026-11-21T10:00:00Z" }, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var page = await admin.GetStringAsync("/api/v1/patients/p1/readings", TestContext.Current.CancellationToken);
        page.ShouldContain("\"id\":\"r1\"");
    }
}
