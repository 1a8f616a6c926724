using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Bench;

/// <summary>
/// The reference point for single-reading POSTs: a bare Kestrel minimal API on the same host settings as Vigil
/// (slim builder, no server header) that reads the body, parses the same reading JSON (one object or an array) with
/// System.Text.Json and answers 202 with a body of Vigil's shape. No auth, no validation, no storage.
/// </summary>
public static class BareServer
{
    public static async Task<int> RunAsync(Options options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.AddServerHeader = false);
        builder.WebHost.UseUrls(options.Get("urls"));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BareJson.Default));
        var app = builder.Build();
        app.MapGet("/health/live", () => TypedResults.Ok());
        app.MapPost("/api/v1/readings", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var body = await ReadAsync(request, cancellationToken);
            List<BareReading> readings;
            if (body.AsSpan().TrimStart(" \t\r\n"u8) is [(byte)'[', ..])
            {
                readings = JsonSerializer.Deserialize(body, BareJson.Default.ListBareReading) ?? [];
            }
            else
            {
                readings = [JsonSerializer.Deserialize(body, BareJson.Default.BareReading)!];
            }

            var ids = readings.Select(r => r.Id ?? "").ToList();
            return TypedResults.Json(new BareResponse(readings.Count, 0, ids), BareJson.Default.BareResponse, statusCode: StatusCodes.Status202Accepted);
        });
        await app.RunAsync();
        return 0;
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.IsCompleted)
            {
                var bytes = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}

public sealed record BareReading(string? Id, string? PatientId, string? DeviceId, string? Type, string? Code, string? Unit, double? Value, string? ObservedAt);

public sealed record BareResponse(int Accepted, int Duplicates, IReadOnlyList<string> Ids);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BareReading))]
[JsonSerializable(typeof(List<BareReading>))]
[JsonSerializable(typeof(BareResponse))]
internal sealed partial class BareJson : JsonSerializerContext;
