using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fhir;

/// <summary>A FHIR JSON answer: <c>application/fhir+json</c>, a status, and a Location for what was created.</summary>
internal sealed class FhirResult(int status, JsonNode body, string? location = null) : IResult
{
    public const string MediaType = "application/fhir+json";

    // The body is JSON served as JSON, never embedded in HTML: '&' in a link and '+' in a media type stay as they are.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public int Status { get; } = status;

    public JsonNode Body { get; } = body;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = MediaType + "; charset=utf-8";
        if (location is not null)
        {
            response.Headers.Location = location;
        }

        return response.WriteAsync(Body.ToJsonString(Json), httpContext.RequestAborted);
    }
}
