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
        var (range, problem) = await PatientRange.ReadAsync(http, reference, patientId, from, to, limit);
        if (range is null)
        {
            return problem!;
        }

        var entries = await timeline.ReadAsync(range.Tenant, patientId, range.From, range.To, range.Limit, cancellationToken);
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
