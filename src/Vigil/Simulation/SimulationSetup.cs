using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Vigil.Simulation;

/// <summary>
/// Creates a run's customer, department, patients and monitors through the HTTP API, each only if absent, so a
/// rerun finds them in place. With a system key it creates the customer too and mints a customer admin key for the
/// rest (revoked by <see cref="Tenant.DisposeAsync"/>); with a customer admin key it works in that key's customer.
/// </summary>
public static class SimulationSetup
{
    /// <summary>The customer a run works in and a client holding a key of that customer.</summary>
    public sealed class Tenant(string customerId, HttpClient client, Func<Task>? revoke, string? key = null) : IAsyncDisposable
    {
        public string CustomerId { get; } = customerId;

        /// <summary>The customer admin key the set-up minted, if it minted one.</summary>
        public string? Key { get; } = key;

        public HttpClient Client { get; } = client;

        public async ValueTask DisposeAsync()
        {
            if (revoke is not null)
            {
                await revoke();
            }
        }
    }

    private sealed record KeyInfo(string Id, string? CustomerId, string Role);

    private sealed record Created(string Id, string Key);

    /// <summary>Finds out what <paramref name="client"/>'s key may do and ensures the run's customer with a key for it.</summary>
    public static async Task<Tenant> TenantAsync(
        HttpClient client, Func<string, HttpClient> clientWithKey, SimulationSettings settings, CancellationToken cancellationToken,
        string keyName = "simulator", bool revokeKey = true)
    {
        using var me = await client.GetAsync("/api/v1/customers", cancellationToken);
        await Expect(me, "list customers with the key", cancellationToken, HttpStatusCode.OK);
        using var list = JsonDocument.Parse(await me.Content.ReadAsStringAsync(cancellationToken));
        var customers = list.RootElement.ValueKind == JsonValueKind.Array ? list.RootElement : list.RootElement.GetProperty("items");

        // A customer's key sees only its own customer; a system key sees all (or none yet).
        using var probe = await client.GetAsync("/api/v1/patients?limit=1", cancellationToken);
        if (probe.StatusCode == HttpStatusCode.OK)
        {
            var own = customers.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).Single();
            return new Tenant(own, client, null);
        }

        if (probe.StatusCode != HttpStatusCode.Forbidden)
        {
            await Expect(probe, "check the key's role", cancellationToken, HttpStatusCode.OK);
        }

        using (var existing = await client.GetAsync($"/api/v1/customers/{settings.CustomerId}", cancellationToken))
        {
            if (existing.StatusCode == HttpStatusCode.NotFound)
            {
                using var create = await client.PostAsJsonAsync("/api/v1/customers", new { id = settings.CustomerId, name = settings.CustomerName }, cancellationToken);
                await Expect(create, $"create customer {settings.CustomerId}", cancellationToken, HttpStatusCode.Created, HttpStatusCode.Conflict);
            }
            else
            {
                await Expect(existing, $"read customer {settings.CustomerId}", cancellationToken, HttpStatusCode.OK);
            }
        }

        using var key = await client.PostAsJsonAsync(
            "/api/v1/api-keys", new { name = keyName, role = "admin", customerId = settings.CustomerId }, cancellationToken);
        await Expect(key, "create the simulator's customer admin key", cancellationToken, HttpStatusCode.Created);
        var created = (await key.Content.ReadFromJsonAsync<Created>(JsonSerializerOptions.Web, cancellationToken))!;
        var tenantClient = clientWithKey(created.Key);
        return new Tenant(settings.CustomerId, tenantClient, !revokeKey ? null : async () =>
        {
            using var revoke = await client.DeleteAsync($"/api/v1/api-keys/{created.Id}", CancellationToken.None);
            tenantClient.Dispose();
        }, created.Key);
    }

    /// <summary>Ensures the department, the patients (and their monitors) of <paramref name="settings"/>.</summary>
    public static async Task WardAsync(HttpClient tenant, string customerId, SimulationSettings settings, IEnumerable<string> patientIds, CancellationToken cancellationToken)
    {
        await EnsureAsync(tenant, $"/api/v1/customers/{customerId}/departments", settings.DepartmentId,
            new { id = settings.DepartmentId, name = settings.DepartmentName }, cancellationToken);
        foreach (var id in patientIds)
        {
            await EnsureAsync(tenant, "/api/v1/patients", id,
                new { id, departmentId = settings.DepartmentId, mrn = $"{customerId}-{id}", name = $"Simulated patient {id}" }, cancellationToken);
            if (settings.Devices)
            {
                await EnsureAsync(tenant, "/api/v1/devices", MonitorOf(id),
                    new { id = MonitorOf(id), serial = $"{customerId}-{MonitorOf(id)}", type = "monitor", patientId = id }, cancellationToken);
            }
        }
    }

    /// <summary>The id of the bedside monitor assigned to a simulated patient.</summary>
    public static string MonitorOf(string patientId) => $"{patientId}-monitor";

    private static async Task EnsureAsync(HttpClient client, string collection, string id, object body, CancellationToken cancellationToken)
    {
        using var existing = await client.GetAsync($"{collection}/{id}", cancellationToken);
        if (existing.StatusCode == HttpStatusCode.OK)
        {
            return;
        }

        await Expect(existing, $"read {collection}/{id}", cancellationToken, HttpStatusCode.NotFound);
        using var create = await client.PostAsJsonAsync(collection, body, cancellationToken);
        await Expect(create, $"create {collection}/{id}", cancellationToken, HttpStatusCode.Created);
    }

    private static async Task Expect(HttpResponseMessage response, string what, CancellationToken cancellationToken, params HttpStatusCode[] ok)
    {
        if (!ok.Contains(response.StatusCode))
        {
            throw new SimulationException(
                $"could not {what}: {(int)response.StatusCode} {await ReadingSender.ProblemDetail(response, cancellationToken)}");
        }
    }
}

/// <summary>A run cannot go on: the target refused its set-up or cannot be reached.</summary>
public sealed class SimulationException(string message) : Exception(message);
