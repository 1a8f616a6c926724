using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Insights;

/// <summary>Posting readings and waiting until the analyze role has committed their aggregates and scores.</summary>
public static class Readings
{
    public static object R(string id, string type, object value, DateTimeOffset at, string patientId = "p") =>
        new { id, patientId, type, value, observedAt = at.ToString("O") };

    public static async Task PostAsync(VigilServer server, Tenant tenant, params object[] readings)
    {
        var analyzer = server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();
        var ids = readings.Select(r => (string)r.GetType().GetProperty("id")!.GetValue(r)!).ToList();
        var handled = ids.Select(id => analyzer.WhenHandled(tenant.Id, id)).ToList();
        (await tenant.Device.PostJsonAsync("/api/v1/readings", readings)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
    }

    /// <summary>A whole second some minutes ago, but never before today's UTC midnight (goals of period "day" count today only).</summary>
    public static DateTimeOffset RecentToday(int minutesAgo = 20)
    {
        var now = DateTimeOffset.UtcNow;
        var at = now.AddMinutes(-minutesAgo);
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return DateTimeOffset.FromUnixTimeSeconds((at < midnight ? midnight : at).ToUnixTimeSeconds());
    }
}
