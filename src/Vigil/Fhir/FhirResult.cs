using System.Text.Json.Nodes;

namespace Vigil.Fhir;

/// <summary>A FHIR JSON answer: <c>application/fhir+json</c>, a status, and a Location for what was created.</summary>
internal sealed class FhirResult(int status, JsonNode body, string? location = null) : IResult
{
    public const string MediaType = "application/fhir+json";

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

        return response.WriteAsync(Body.ToJsonString(), httpContext.RequestAborted);
    }
}
