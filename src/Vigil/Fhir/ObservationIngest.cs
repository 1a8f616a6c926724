using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Domain;
using Vigil.Storage.Readings;
using Vigil.Storage.Writes;

namespace Vigil.Fhir;

/// <summary>An Observation made ready to store: its readings validated, their log messages encoded, its id known.</summary>
internal sealed record PreparedObservation(string Id, PreparedReadings Readings, IReadOnlyList<Issue> Notes)
{
    public JsonObject Representation()
    {
        var stored = Readings.Readings.Select(r => new StoredReading(r, Readings.ReceivedAt)).ToList();
        return stored.Count == 1 && stored[0].Reading.Id == Id ? ObservationView.From(stored[0]) : ObservationView.Panel(Id, stored);
    }
}

/// <summary>
/// The Observation half of FHIR ingest, shared by <c>POST /fhir/Observation</c> and Bundles: read, resolve the
/// patient, validate with the JSON API's rules, then write through <see cref="ReadingStore"/> in a group commit, so
/// FHIR readings have the same idempotency (the reading id), durability and <c>readings.raw</c> messages.
/// </summary>
internal static class ObservationIngest
{
    /// <summary>Null with issues when the Observation is refused; null without errors when it carries nothing Vigil stores.</summary>
    public static async Task<(PreparedObservation? Prepared, List<Issue> Issues)> PrepareAsync(
        ParsedObservation parsed, PatientResolver patients, string customerId, DateTimeOffset now)
    {
        var issues = new List<Issue>(parsed.Issues);
        if (parsed.HasErrors || parsed.Parts.Count == 0)
        {
            return (null, issues);
        }

        var (patientId, error) = await patients.ResolveAsync(parsed.Subject!, $"{ParsedObservation.Resource}.subject");
        if (error is not null)
        {
            issues.Add(error);
            return (null, issues);
        }

        var readings = parsed.ToReadings(patientId!, now, issues);
        if (issues.Any(i => i.IsError))
        {
            return (null, issues);
        }

        var prepared = ReadingStore.Prepare(customerId, readings, now, Activity.Current?.Id);
        return (new PreparedObservation(parsed.BaseId(patientId!), prepared, issues), issues);
    }

    /// <summary>Runs in a write job: stores the readings; true when any was new, false when all were resends.</summary>
    public static bool Store(WriteContext ctx, ReadingStore store, PreparedObservation observation)
    {
        var result = store.Ingest(ctx, observation.Readings);
        ctx.OnCommitted(() => Observability.IngestMetrics.Stored(Observability.IngestMetrics.Fhir, result));
        return result.Accepted > 0;
    }

    /// <summary>A refusal of the store (unknown patient or device, an id used for other content) as issues at the Observation's paths.</summary>
    public static List<Issue> Issues(RejectedException e, string resource)
    {
        if (e.Errors.Count == 0)
        {
            return [Issue.Error(resource, e.Message, CodeOf(e))];
        }

        return e.Errors.Select(x => Issue.Error(x.Field switch
        {
            "patientId" => $"{resource}.subject",
            "deviceId" => $"{resource}.device",
            "id" => $"{resource}.id",
            _ => resource,
        }, x.Reason, CodeOf(e))).Distinct().ToList();
    }

    public static int StatusOf(RejectedException e) => e.Kind switch
    {
        RejectionKind.Conflict => StatusCodes.Status409Conflict,
        RejectionKind.NotFound => StatusCodes.Status404NotFound,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    private static string CodeOf(RejectedException e) => e.Kind switch
    {
        RejectionKind.Conflict => "conflict",
        RejectionKind.NotFound => "not-found",
        _ => "invalid",
    };

    /// <summary>400 for what is not a FHIR resource of the right shape, 422 for content against the profile or Vigil's rules.</summary>
    public static int StatusOf(IEnumerable<Issue> issues) =>
        issues.Any(i => i.IsError && i.Code == "structure") ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;

    /// <summary>Parses a request body as JSON; null with a 400 OperationOutcome when it is not.</summary>
    public static (JsonDocument? Document, FhirResult? Problem) Parse(byte[] body)
    {
        try
        {
            return (JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 }), null);
        }
        catch (JsonException e)
        {
            return (null, OperationOutcome.Error(StatusCodes.Status400BadRequest, "structure", $"The body is not valid JSON: {e.Message}"));
        }
    }
}
