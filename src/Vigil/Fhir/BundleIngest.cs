using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Domain;
using Vigil.Storage.Readings;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Fhir;

/// <summary>
/// <c>POST /fhir</c> with a Bundle of type batch or transaction. Patient entries create or update patients, Observation
/// entries become readings, other resources are left aside and reported. A transaction is all or nothing: one invalid
/// entry refuses the Bundle, and everything else is written in one group-committed job. A batch answers each entry on
/// its own: every entry is its own write job, refused alone. Patients are written before Observations, so an
/// Observation may name a Patient of the same Bundle by its fullUrl or MRN.
/// </summary>
internal sealed class BundleIngest(
    string customerId, bool mayWritePatients, GroupCommitter writer, ReadingStore readings, ReferenceStore reference, DateTimeOffset now,
    Action<WriteContext>? recordWithin = null)
{
    private sealed class Entry(int index)
    {
        public int Index { get; } = index;

        public List<Issue> Issues { get; } = [];

        public ParsedPatient? Patient { get; set; }

        public string? PatientId { get; set; }

        public ParsedObservation? Observation { get; set; }

        public PreparedObservation? Prepared { get; set; }

        public int Status { get; set; } = StatusCodes.Status200OK;

        public string? Location { get; set; }

        public bool Failed => Issues.Any(i => i.IsError);
    }

    private sealed class EntryRejectedException(int entry, RejectedException inner) : Exception(inner.Message, inner)
    {
        public int Entry { get; } = entry;

        public RejectedException Rejection { get; } = inner;
    }

    public async Task<FhirResult> HandleAsync(JsonElement bundle, int maxEntries, CancellationToken cancellationToken)
    {
        var issues = new List<Issue>();
        if (bundle.ValueKind != JsonValueKind.Object || FhirElement.String(bundle, "resourceType", "Bundle", issues) != "Bundle")
        {
            return OperationOutcome.Error(StatusCodes.Status400BadRequest, "structure", "POST /fhir takes a Bundle (resourceType \"Bundle\")", "Bundle");
        }

        var type = FhirElement.String(bundle, "type", "Bundle", issues);
        if (type is not ("batch" or "transaction"))
        {
            return OperationOutcome.Error(StatusCodes.Status400BadRequest, "value", $"Bundle.type must be 'batch' or 'transaction', not '{type}'", "Bundle.type");
        }

        var items = FhirElement.Items(bundle, "entry", "Bundle", issues).ToList();
        if (issues.Count > 0)
        {
            return OperationOutcome.Error(StatusCodes.Status400BadRequest, issues);
        }

        if (items.Count > maxEntries)
        {
            return OperationOutcome.Error(StatusCodes.Status413PayloadTooLarge, "too-costly", $"A Bundle may carry at most {maxEntries:N0} entries.", "Bundle.entry");
        }

        var entries = await ReadAsync(items);
        return type == "transaction"
            ? await TransactionAsync(entries, cancellationToken)
            : await BatchAsync(entries, cancellationToken);
    }

    private async Task<List<Entry>> ReadAsync(List<(JsonElement Item, string Path)> items)
    {
        var entries = new List<Entry>(items.Count);
        var observations = new List<(Entry, JsonElement)>();
        var patients = new PatientResolver(customerId, reference);
        foreach (var (item, path) in items)
        {
            var entry = new Entry(entries.Count);
            entries.Add(entry);
            var local = new List<Issue>();
            var fullUrl = FhirElement.String(item, "fullUrl", path, local);
            string? method = null, url = null;
            if (FhirElement.TryGet(item, "request", JsonValueKind.Object, path, local, out var request))
            {
                method = FhirElement.String(request, "method", $"{path}.request", local);
                url = FhirElement.String(request, "url", $"{path}.request", local);
            }

            if (!FhirElement.TryGet(item, "resource", JsonValueKind.Object, path, local, out var resource))
            {
                local.Add(Issue.Error($"{path}.resource", $"is required (Vigil takes Patient and Observation resources; request {method} {url} is not supported)", "not-supported"));
                entry.Issues.AddRange(local);
                continue;
            }

            entry.Issues.AddRange(local);
            var resourceType = resource.TryGetProperty("resourceType", out var rt) && rt.ValueKind == JsonValueKind.String ? rt.GetString() : null;
            if (resourceType is not ("Patient" or "Observation"))
            {
                entry.Issues.Add(Issue.Skipped($"Bundle.entry[{entry.Index}].resource",
                    $"{resourceType ?? "a resource without resourceType"} is not stored: Vigil takes Patient and vital-sign Observation resources"));
                continue;
            }

            if (method is not (null or "POST" or "PUT"))
            {
                entry.Issues.Add(Issue.Error($"Bundle.entry[{entry.Index}].request.method", $"{method} of a {resourceType} is not supported; use POST or PUT", "not-supported"));
                entry.Status = StatusCodes.Status405MethodNotAllowed;
                continue;
            }

            if (resourceType == "Observation")
            {
                entry.Observation = ParsedObservation.Read(resource);
                observations.Add((entry, resource));
                continue;
            }

            entry.Patient = ParsedPatient.Read(resource);
            entry.Issues.AddRange(entry.Patient.Issues.Select(i => i.InEntry(entry.Index)));
            if (!mayWritePatients)
            {
                entry.Issues.Add(Issue.Error($"Bundle.entry[{entry.Index}]", "this key may not create or update patients (admin only)", "forbidden"));
                entry.Status = StatusCodes.Status403Forbidden;
                continue;
            }

            if (entry.Failed)
            {
                continue;
            }

            var urlId = url is not null && url.StartsWith("Patient/", StringComparison.Ordinal) ? url[8..] : null;
            if (urlId is not null && entry.Patient.ResourceId is not null && urlId != entry.Patient.ResourceId)
            {
                entry.Issues.Add(Issue.Error($"Bundle.entry[{entry.Index}].request.url", $"names Patient '{urlId}' but the resource's id is '{entry.Patient.ResourceId}'"));
                continue;
            }

            entry.PatientId = entry.Patient.ResourceId ?? urlId ?? await PatientIdWithoutIdAsync(entry.Patient, fullUrl);
            patients.Add(fullUrl, entry.Patient.Mrn, entry.PatientId);
        }

        foreach (var (entry, _) in observations)
        {
            var (prepared, found) = await ObservationIngest.PrepareAsync(entry.Observation!, patients, customerId, now);
            entry.Prepared = prepared;
            entry.Issues.AddRange(found.Select(i => i.InEntry(entry.Index)));
        }

        return entries;
    }

    /// <summary>A Patient without an id: the customer's patient with its MRN, else an id derived from the MRN or the entry's fullUrl, so a resend updates rather than duplicates.</summary>
    private async Task<string> PatientIdWithoutIdAsync(ParsedPatient patient, string? fullUrl)
    {
        if (patient.Mrn is not null && await reference.FindPatientIdByMrnAsync(customerId, patient.Mrn) is { } existing)
        {
            return existing;
        }

        var basis = patient.Mrn is not null ? "mrn\n" + patient.Mrn : fullUrl is not null ? "fullUrl\n" + fullUrl : null;
        return basis is null ? Identifiers.New() : FhirElement.DerivedId(basis);
    }

    private async Task<FhirResult> TransactionAsync(List<Entry> entries, CancellationToken cancellationToken)
    {
        var failed = entries.Where(e => e.Failed).ToList();
        if (failed.Count > 0)
        {
            var all = failed.SelectMany(e => e.Issues.Where(i => i.IsError)).ToList();
            var status = failed.Select(e => e.Status).FirstOrDefault(s => s is 403 or 405, ObservationIngest.StatusOf(all));
            return OperationOutcome.Error(status, all);
        }

        // Every Observation's readings in one ingest (one reference check, one insert loop, one log append), each
        // reading remembered with its entry so outcomes and refusals go back to the entry they came from.
        var observations = entries.Where(e => e.Prepared is not null).ToList();
        var owner = new List<Entry>();
        var readingsOf = new List<Domain.Readings.Reading>();
        var messages = new List<Domain.Log.LogMessage>();
        foreach (var entry in observations)
        {
            var prepared = entry.Prepared!.Readings;
            readingsOf.AddRange(prepared.Readings);
            messages.AddRange(prepared.Messages);
            owner.AddRange(Enumerable.Repeat(entry, prepared.Readings.Count));
        }

        try
        {
            await writer.WriteAsync(ctx =>
            {
                foreach (var entry in entries.Where(e => e.PatientId is not null))
                {
                    Run(entry, () => WritePatient(ctx, entry));
                }

                if (observations.Count > 0)
                {
                    IngestResult result;
                    try
                    {
                        result = readings.Ingest(ctx, new PreparedReadings(customerId, readingsOf, observations[0].Prepared!.Readings.ReceivedAt, messages));
                    }
                    catch (RejectedException e)
                    {
                        var at = e.Errors.Select(x => x.Index).FirstOrDefault(i => i is not null) ?? 0;
                        throw new EntryRejectedException(owner[at].Index, e);
                    }

                    foreach (var entry in observations)
                    {
                        entry.Status = StatusCodes.Status200OK;
                        entry.Location = $"Observation/{entry.Prepared!.Id}";
                    }

                    for (var i = 0; i < owner.Count; i++)
                    {
                        if (result.Stored[i])
                        {
                            owner[i].Status = StatusCodes.Status201Created;
                        }
                    }
                }

                recordWithin?.Invoke(ctx);
            }, cancellationToken);
        }
        catch (EntryRejectedException e)
        {
            var resource = entries[e.Entry].Patient is not null ? ParsedPatient.Resource : ParsedObservation.Resource;
            return OperationOutcome.Error(ObservationIngest.StatusOf(e.Rejection),
                ObservationIngest.Issues(e.Rejection, resource).Select(i => i.InEntry(e.Entry)));
        }

        return Response("transaction-response", entries);
    }

    private static void Run(Entry entry, Action write)
    {
        try
        {
            write();
        }
        catch (RejectedException e)
        {
            throw new EntryRejectedException(entry.Index, e);
        }
    }

    private async Task<FhirResult> BatchAsync(List<Entry> entries, CancellationToken cancellationToken)
    {
        foreach (var entry in entries.Where(e => e.Failed && e.Status == StatusCodes.Status200OK))
        {
            entry.Status = ObservationIngest.StatusOf(entry.Issues);
        }

        // Each entry its own job: the group committer refuses a failing one alone. Patients first, then Observations.
        await Task.WhenAll(entries.Where(e => e.PatientId is not null && !e.Failed).Select(e => WriteAloneAsync(e, ctx => WritePatient(ctx, e), cancellationToken)));
        await Task.WhenAll(entries.Where(e => e.Prepared is not null && !e.Failed).Select(e => WriteAloneAsync(e, ctx => WriteObservation(ctx, e), cancellationToken)));
        return Response("batch-response", entries);
    }

    private async Task WriteAloneAsync(Entry entry, Action<WriteContext> write, CancellationToken cancellationToken)
    {
        try
        {
            await writer.WriteAsync(write, cancellationToken);
        }
        catch (RejectedException e)
        {
            var resource = entry.Patient is not null ? ParsedPatient.Resource : ParsedObservation.Resource;
            entry.Issues.AddRange(ObservationIngest.Issues(e, resource).Select(i => i.InEntry(entry.Index)));
            entry.Status = ObservationIngest.StatusOf(e);
            entry.Location = null;
        }
    }

    private void WritePatient(WriteContext ctx, Entry entry)
    {
        var outcome = entry.Patient!.Upsert(ctx, reference, customerId, entry.PatientId!);
        entry.Status = outcome == PatientWrite.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        entry.Location = $"Patient/{entry.PatientId}";
    }

    private void WriteObservation(WriteContext ctx, Entry entry)
    {
        var created = ObservationIngest.Store(ctx, readings, entry.Prepared!);
        entry.Status = created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        entry.Location = $"Observation/{entry.Prepared!.Id}";
    }

    private static FhirResult Response(string type, List<Entry> entries)
    {
        var list = new JsonArray();
        foreach (var entry in entries)
        {
            var response = new JsonObject { ["status"] = $"{entry.Status} {ReasonPhrase(entry.Status)}" };
            if (entry.Location is not null)
            {
                response["location"] = entry.Location;
            }

            if (entry.Issues.Count > 0)
            {
                response["outcome"] = OperationOutcome.Of(entry.Issues);
            }

            list.Add(new JsonObject { ["response"] = response });
        }

        return new FhirResult(StatusCodes.Status200OK, new JsonObject { ["resourceType"] = "Bundle", ["type"] = type, ["entry"] = list });
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
