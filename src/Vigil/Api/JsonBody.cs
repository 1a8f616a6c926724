using System.Text.Json;
using Vigil.Api.Ingest;

namespace Vigil.Api;

/// <summary>Reads a small JSON request body into <typeparamref name="T"/>; a body that is not such JSON is a 400 problem.</summary>
public static class JsonBody
{
    private const long MaxBytes = 1024 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var bytes = await RequestBody.ReadAsync(request, MaxBytes, cancellationToken);
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, Options);
            return value is null ? (null, Problems.Malformed("The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path[2..]}";
            return (null, Problems.Malformed($"The body is not the expected JSON{where}: {FirstSentence(e.Message)}"));
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
