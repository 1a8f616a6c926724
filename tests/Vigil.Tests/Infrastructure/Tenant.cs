using System.Net;

namespace Vigil.Tests.Infrastructure;

/// <summary>A customer with one patient "p" and one device "d", and clients for its admin and its device key.</summary>
public sealed class Tenant : IDisposable
{
    private Tenant(string id, HttpClient admin, HttpClient device)
    {
        Id = id;
        Admin = admin;
        Device = device;
    }

    public string Id { get; }

    public HttpClient Admin { get; }

    public HttpClient Device { get; }

    public static async Task<Tenant> CreateAsync(VigilServer server, string id)
    {
        var admin = server.Client(await server.CreateCustomerAsync(id));
        var device = server.Client(await server.CreateKeyAsync(id, "device"));
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/devices", new { id = "d", serial = $"{id}-d", type = "monitor", patientId = "p" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        return new Tenant(id, admin, device);
    }

    public void Dispose()
    {
        Admin.Dispose();
        Device.Dispose();
    }
}
