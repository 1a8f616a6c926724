using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Storage.Alerts;
using V1 = Vigil.Grpc.V1;

namespace Vigil.Grpc;

/// <summary>
/// <c>vigil.v1.AlertService.Watch</c>: the caller's customer's alert transitions from the moment of the call, in the
/// order they were recorded. Alerts are raised by the analyze role, possibly in another process, so the watcher reads
/// the recorded transitions (every <see cref="GrpcOptions.WatchPollMilliseconds"/> while there are none) rather than
/// an in-process event.
/// </summary>
internal sealed class AlertService(AlertStore alerts, IOptions<GrpcOptions> options)
{
    private const int Page = 200;

    public async Task WatchAsync(GrpcCall call)
    {
        var request = await QueryService.RequestAsync(call, V1.WatchRequest.Parser);
        string? patientId = request.HasPatientId ? request.PatientId : null;
        if (patientId is not null && !Identifiers.IsValid(patientId))
        {
            throw RejectedException.Invalid("patient_id", Identifiers.Rule);
        }

        var tenant = call.Caller.Tenant;
        var after = await alerts.LastTransitionAsync(call.Cancelled);
        // The response headers go out now: the client sees the stream open before the first alert.
        await call.Http.Response.StartAsync(call.Cancelled);
        await call.Http.Response.BodyWriter.FlushAsync(call.Cancelled);
        while (true)
        {
            var changes = await alerts.ChangesAfterAsync(tenant, patientId, after, Page, call.Cancelled);
            foreach (var change in changes)
            {
                await call.WriteAsync(ToMessage(change));
                after = change.Seq;
            }

            if (changes.Count < Page)
            {
                await Task.Delay(options.Value.WatchPollMilliseconds, call.Cancelled);
            }
        }
    }

    private static V1.AlertEvent ToMessage(AlertStore.Change change)
    {
        var a = change.Alert;
        var alert = new V1.Alert
        {
            Id = a.Id, PatientId = a.PatientId, Rule = a.Rule, Kind = a.Kind, Severity = a.Severity, Status = a.Status, Message = a.Message,
            FirstAt = QueryService.Time(a.FirstAt), LastAt = QueryService.Time(a.LastAt), Breaches = a.Breaches,
            CreatedAt = QueryService.Time(a.CreatedAt), UpdatedAt = QueryService.Time(a.UpdatedAt),
        };
        if (a.DepartmentId is not null)
        {
            alert.DepartmentId = a.DepartmentId;
        }

        if (a.Value is { } value)
        {
            alert.Value = value;
        }

        return new V1.AlertEvent
        {
            Transition = change.Transition.Transition, At = QueryService.Time(change.Transition.At), By = change.Transition.By, Alert = alert,
        };
    }
}
