using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Reference;
using Vigil.Storage.Timeline;

namespace Vigil.Api;

/// <summary><c>GET /api/v1/patients/{id}/timeline</c>: the patient's clinical events and alert transitions, newest first.</summary>
public static class TimelineEndpoints
{
    [JsonConverter(typeof(JsonStringEnumConverter<EntryKind>))]
    public enum EntryKind
    {
        [JsonStringEnumMemberName("event")]
        Event,
        [JsonStringEnumMemberName("alert")]
        Alert,
    }

    /// <summary>
    /// An entry. Events carry type, data, status and result; alert entries carry the transition as type, the alert's
    /// current status, its rule, severity and message, who acted and their note.
    /// </summary>
    public sealed record EntryView(
        EntryKind Kind, DateTimeOffset At, string Id, string Type, string? Status,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Data,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Result,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Rule,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Severity,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? By,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note);

    public sealed record TimelineView(IReadOnlyList<EntryView> Items);

    public static RouteHandlerBuilder MapTimeline(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/patients/{patientId}/timeline", ReadAsync).WithTags("Timeline").RequireAuthorization(Access.Read)
            .Produces<TimelineView>().ProducesProblem(404).ProducesProblem(422);

    private static async Task<IResult> ReadAsync(
        HttpContext http, ReferenceStore reference, PatientTimeline timeline, string patientId, string? from, string? to, string? limit,
        CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        if (!await reference.PatientExistsAsync(tenant, patientId))
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var errors = new List<FieldError>();
        var fromTime = FieldRules.QueryTime(from, "from", errors);
        var toTime = FieldRules.QueryTime(to, "to", errors);
        var take = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > 1000))
        {
            errors.Add(new FieldError(null, "limit", "must be a whole number between 1 and 1000"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var entries = await timeline.ReadAsync(tenant, patientId, fromTime, toTime, take, cancellationToken);
        return TypedResults.Ok(new TimelineView(entries.Select(View).ToList()));
    }

    private static EntryView View(PatientTimeline.Entry e) => new(
        e.Kind == "event" ? EntryKind.Event : EntryKind.Alert, EventTime.FromMicros(e.At), e.Id, e.Type, e.Status,
        Json(e.Data), Json(e.Result), e.Rule, e.Severity, e.Message, e.By, e.Note);

    private static JsonElement? Json(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            // A handler's result that is plain text rather than JSON.
            return JsonSerializer.SerializeToElement(text);
        }
    }
}
