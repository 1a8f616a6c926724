using System.Globalization;
using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Fhir;

/// <summary>
/// FHIR R4 ingest: Observations and Bundles go through the same pipeline as POST /api/v1/readings (validation,
/// idempotency, durability, readings.raw); Synthea's real bundles are stored in full, counted by an independent script.
/// </summary>
public abstract class FhirIngestTests(ServerFixture fixture)
{
    private const string Raw = "readings.raw";

    /// <summary>
    /// Counts the bundles' Observations with Python's own JSON reader, from the FHIR vital-signs LOINC list: readings per
    /// LOINC code (a blood pressure panel gives one per systolic and diastolic component), Observations that carry no vital
    /// sign, and the Patients with their MRN (the identifier typed MR).
    /// </summary>
    private const string CountScript = """
        import json, sys
        VITAL = {"8867-4", "9279-1", "2708-6", "59408-5", "8310-5", "8480-6", "8462-4", "29463-7", "8302-2", "39156-5", "41950-7", "67775-7"}
        PANEL = {"85354-9", "55284-4"}
        stored, sums, not_stored, vital_signs, patients = {}, {}, 0, 0, []
        for path in sys.argv[1:]:
            for entry in json.load(open(path))["entry"]:
                r = entry["resource"]
                if r["resourceType"] == "Patient":
                    mrn = [i["value"] for i in r.get("identifier", []) if any(c.get("code") == "MR" for c in i.get("type", {}).get("coding", []))]
                    patients.append({"id": r["id"], "mrn": mrn[0] if mrn else None, "birthDate": r.get("birthDate")})
                if r["resourceType"] != "Observation":
                    continue
                if any(c.get("code") == "vital-signs" for cat in r.get("category", []) for c in cat.get("coding", [])):
                    vital_signs += 1
                codes = [c["code"] for c in r["code"]["coding"] if c.get("system") == "http://loinc.org"]
                if any(c in PANEL for c in codes):
                    found = [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in r.get("component", []) if "valueQuantity" in c]
                    found = [(c, v) for c, v in found if c in ("8480-6", "8462-4")]
                else:
                    found = [(c, r["valueQuantity"]["value"]) for c in codes if c in VITAL][:1]
                for c, v in found:
                    stored[c] = stored.get(c, 0) + 1
                    sums[c] = sums.get(c, 0) + v
                if not found:
                    not_stored += 1
        print(json.dumps({"stored": stored, "sums": sums, "notStored": not_stored, "vitalSigns": vital_signs, "patients": patients}))
        """;

    /// <summary>Vigil's type for each LOINC code (DESIGN.md), written out here rather than taken from the code under test.</summary>
    private static readonly Dictionary<string, string> TypeOfLoinc = new()
    {
        ["8867-4"] = "heart_rate", ["9279-1"] = "respiratory_rate", ["2708-6"] = "spo2", ["59408-5"] = "spo2", ["8310-5"] = "temperature",
        ["8480-6"] = "systolic_bp", ["8462-4"] = "diastolic_bp", ["29463-7"] = "weight", ["8302-2"] = "height", ["39156-5"] = "bmi",
        ["41950-7"] = "steps", ["67775-7"] = "consciousness",
    };

    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    private IReadOnlyList<string> ReadingsByType(string customer) =>
        Db.Rows("SELECT type, COUNT(*) FROM readings WHERE customer_id = @c GROUP BY type ORDER BY type", ("@c", customer));

    private int RawCount(string customer) => Db.Log(Raw).Count(m => m.Body.GetProperty("customerId").GetString() == customer);

    /// <summary>Patient changes of the customer other than the test tenant's own patient "p".</summary>
    private int ChangeCount(string customer) =>
        Db.Log("reference.changes").Count(m => m.Body.GetProperty("entity").GetString() == "patient"
            && m.Body.GetProperty("customerId").GetString() == customer && m.Body.GetProperty("id").GetString() != "p");

    private (long Readings, int Log) Totals(string customer) => (Db.Count("readings", customer), RawCount(customer));

    private static bool SkippedAsNotVital(JsonElement response) =>
        response.GetProperty("status").GetString() == "200 OK"
        && response.TryGetProperty("outcome", out var outcome)
        && outcome.GetProperty("issue").EnumerateArray().Any(i => i.GetProperty("diagnostics").GetString()!.Contains("not a vital sign", StringComparison.Ordinal));

    [Fact]
    public async Task Every_vital_sign_of_the_Synthea_bundles_is_stored_with_the_counts_per_code_of_an_independent_count()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-synthea");
        var expected = await Fhir.PythonAsync(CountScript, [.. Fhir.SyntheaBundles]);
        var skipped = 0;

        foreach (var file in Fhir.SyntheaBundles)
        {
            var json = await File.ReadAllTextAsync(file, Http.Ct);
            var response = await (await tenant.Admin.PostFhirAsync("/fhir", json)).ShouldBeFhirAsync(HttpStatusCode.OK);

            response.GetProperty("type").GetString().ShouldBe("transaction-response");
            var entries = response.ResponseEntries();
            entries.Count.ShouldBe(JsonDocument.Parse(json).RootElement.GetProperty("entry").GetArrayLength());
            entries.ShouldAllBe(e => e.GetProperty("status").GetString() == "201 Created" || e.GetProperty("status").GetString() == "200 OK");
            skipped += entries.Count(SkippedAsNotVital);
        }

        var stored = expected.GetProperty("stored").EnumerateObject().ToList();
        stored.Sum(p => p.Value.GetInt32()).ShouldBeGreaterThan(50);
        ReadingsByType(tenant.Id).ShouldBe(
            stored.GroupBy(p => TypeOfLoinc[p.Name]).Select(g => $"{g.Key} | {g.Sum(p => p.Value.GetInt32())}").Order(StringComparer.Ordinal).ToList());
        // The files' units are the canonical ones (cm, kg, kg/m2, mm[Hg]), so the stored values add up to the files' own.
        var sums = Db.Rows("SELECT type, SUM(value) FROM readings WHERE customer_id = @c GROUP BY type", ("@c", tenant.Id))
            .Select(r => r.Split(" | ")).ToDictionary(r => r[0], r => double.Parse(r[1], CultureInfo.InvariantCulture));
        foreach (var sum in expected.GetProperty("sums").EnumerateObject().GroupBy(p => TypeOfLoinc[p.Name]))
        {
            sums[sum.Key].ShouldBe(sum.Sum(p => p.Value.GetDouble()), 1e-6);
        }

        skipped.ShouldBe(expected.GetProperty("notStored").GetInt32());
        RawCount(tenant.Id).ShouldBe(stored.Sum(p => p.Value.GetInt32()));
        foreach (var patient in expected.GetProperty("patients").EnumerateArray())
        {
            var id = patient.GetProperty("id").GetString();
            var found = await (await tenant.Admin.Get($"/api/v1/patients/{id}")).ShouldBeAsync(HttpStatusCode.OK);
            found.GetProperty("mrn").GetString().ShouldBe(patient.GetProperty("mrn").GetString());
            found.GetProperty("birthDate").GetString().ShouldBe(patient.GetProperty("birthDate").GetString());
            Db.Log("reference.changes", $"{tenant.Id}/{id}").Count.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Resending_a_Synthea_bundle_stores_nothing_twice_and_answers_each_observation_200()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-resend");
        var json = await File.ReadAllTextAsync(Fhir.SyntheaBundles[0], Http.Ct);
        (await tenant.Admin.PostFhirAsync("/fhir", json)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var readings = ReadingsByType(tenant.Id);
        var (raw, changes) = (RawCount(tenant.Id), ChangeCount(tenant.Id));
        changes.ShouldBe(1);

        var again = await (await tenant.Admin.PostFhirAsync("/fhir", json)).ShouldBeFhirAsync(HttpStatusCode.OK);

        again.ResponseEntries().ShouldAllBe(e => e.GetProperty("status").GetString() == "200 OK");
        again.ResponseEntries().Count(e => e.TryGetProperty("location", out _)).ShouldBeGreaterThan(10);
        ReadingsByType(tenant.Id).ShouldBe(readings);
        (RawCount(tenant.Id), ChangeCount(tenant.Id)).ShouldBe((raw, changes));
    }

    [Fact]
    public async Task A_heart_rate_observation_from_a_device_is_created_with_201_and_a_location_that_reads_it_back()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-single");

        var response = await tenant.Device.PostFhirAsync("/fhir/Observation",
            Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), extra: ""","id":"hr-1","device":{"reference":"Device/d"}"""));

        var created = await response.ShouldBeFhirAsync(HttpStatusCode.Created);
        response.Headers.Location!.AbsolutePath.ShouldBe("/fhir/Observation/hr-1");
        created.GetProperty("id").GetString().ShouldBe("hr-1");
        var read = await (await tenant.Admin.Get(response.Headers.Location.AbsolutePath)).ShouldBeFhirAsync(HttpStatusCode.OK);
        read.GetProperty("resourceType").GetString().ShouldBe("Observation");
        read.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString().ShouldBe("8867-4");
        read.GetProperty("valueQuantity").GetProperty("value").GetDouble().ShouldBe(72);
        read.GetProperty("valueQuantity").GetProperty("code").GetString().ShouldBe("/min");
        read.GetProperty("subject").GetProperty("reference").GetString().ShouldBe("Patient/p");
        read.GetProperty("device").GetProperty("reference").GetString().ShouldBe("Device/d");
        read.GetProperty("effectiveDateTime").GetString().ShouldBe("2026-03-01T10:00:00Z");
        var raw = Db.Log(Raw, $"{tenant.Id}/p").Single().Body;
        raw.GetProperty("id").GetString().ShouldBe("hr-1");
        raw.GetProperty("type").GetString().ShouldBe("heart_rate");
        raw.GetProperty("deviceId").GetString().ShouldBe("d");
    }

    [Fact]
    public async Task A_blood_pressure_panel_written_in_mmHg_becomes_a_systolic_and_a_diastolic_reading_and_reads_back_as_the_panel()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-bp");
        const string components = """
            "component":[
              {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":128,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
              {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":81,"unit":"mmHg"}},
              {"code":{"coding":[{"system":"http://loinc.org","code":"8478-0"}]},"valueQuantity":{"value":96,"unit":"mmHg"}}]
            """;

        var response = await tenant.Device.PostFhirAsync("/fhir/Observation", Fhir.Observation("85354-9", components, extra: ""","id":"bp-1" """));

        await response.ShouldBeFhirAsync(HttpStatusCode.Created);
        response.Headers.Location!.AbsolutePath.ShouldBe("/fhir/Observation/bp-1");
        Db.Rows("SELECT id, type, value FROM readings WHERE customer_id = @c ORDER BY id", ("@c", tenant.Id))
            .ShouldBe(["bp-1.8462-4 | diastolic_bp | 81", "bp-1.8480-6 | systolic_bp | 128"]);
        var panel = await (await tenant.Admin.Get("/fhir/Observation/bp-1")).ShouldBeFhirAsync(HttpStatusCode.OK);
        panel.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString().ShouldBe("85354-9");
        panel.GetProperty("component").EnumerateArray()
            .Select(c => $"{c.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString()} {c.GetProperty("valueQuantity").GetProperty("value").GetDouble()} {c.GetProperty("valueQuantity").GetProperty("code").GetString()}")
            .ShouldBe(["8480-6 128 mm[Hg]", "8462-4 81 mm[Hg]"]);
    }

    [Fact]
    public async Task Units_as_files_write_them_are_converted_and_the_STU3_category_system_is_accepted()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-units");
        const string stu3 = ""","category":[{"coding":[{"system":"http://hl7.org/fhir/observation-category","code":"vital-signs"}]}]""";
        string[] observations =
        [
            Fhir.Observation("8310-5", """ "valueQuantity":{"value":98.6,"unit":"degF"}""", extra: stu3 + ""","id":"t" """),
            Fhir.Observation("8867-4", """ "valueQuantity":{"value":61,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"{beats}/min"}""", extra: ""","id":"hr" """),
            Fhir.Observation("29463-7", """ "valueQuantity":{"value":154,"unit":"lb","system":"http://unitsofmeasure.org","code":"[lb_av]"}""", extra: ""","id":"w" """),
            Fhir.Observation("59408-5", Fhir.Quantity(97, "%"), extra: ""","id":"s" """),
        ];

        foreach (var observation in observations)
        {
            (await tenant.Device.PostFhirAsync("/fhir/Observation", observation)).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        var rows = Db.Rows("SELECT id, type, value FROM readings WHERE customer_id = @c ORDER BY id", ("@c", tenant.Id))
            .Select(r => r.Split(" | ")).ToDictionary(r => r[0], r => (Type: r[1], Value: double.Parse(r[2], CultureInfo.InvariantCulture)));
        rows["t"].Type.ShouldBe("temperature");
        rows["t"].Value.ShouldBe(37.0, 0.001);
        rows["hr"].ShouldBe(("heart_rate", 61.0));
        rows["w"].Type.ShouldBe("weight");
        rows["w"].Value.ShouldBe(69.853, 0.001);
        rows["s"].ShouldBe(("spo2", 97.0));
    }

    [Fact]
    public async Task The_subject_may_be_the_patients_identifier_which_is_its_medical_record_number()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-mrn");
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p2", name = "Robin", mrn = "MRN-77" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await tenant.Device.PostFhirAsync("/fhir/Observation", Fhir.Observation("9279-1", Fhir.Quantity(16, "/min"),
            subject: """{"identifier":{"system":"http://hospital.example/mrn","value":"MRN-77"}}"""))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Device.PostFhirAsync("/fhir/Observation", Fhir.Observation("9279-1", Fhir.Quantity(17, "/min"),
            subject: """{"reference":"Patient?identifier=http://hospital.example/mrn|MRN-77"}""", effective: "2026-03-01T10:01:00Z"))).StatusCode.ShouldBe(HttpStatusCode.Created);

        Db.Rows("SELECT patient_id, value FROM readings WHERE customer_id = @c ORDER BY value", ("@c", tenant.Id)).ShouldBe(["p2 | 16", "p2 | 17"]);
    }

    [Fact]
    public async Task An_observation_without_id_is_stored_once_when_sent_twice_by_its_content_and_once_by_its_identifier()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-hash");
        var byContent = Fhir.Observation("8867-4", Fhir.Quantity(80, "/min"));
        var byIdentifier = Fhir.Observation("8867-4", Fhir.Quantity(81, "/min"), extra: ""","identifier":[{"system":"urn:monitor","value":"obs-9"}]""");

        var first = await tenant.Device.PostFhirAsync("/fhir/Observation", byContent);
        await first.ShouldBeFhirAsync(HttpStatusCode.Created);
        var second = await tenant.Device.PostFhirAsync("/fhir/Observation", byContent);
        await second.ShouldBeFhirAsync(HttpStatusCode.OK);
        second.Headers.Location.ShouldBe(first.Headers.Location);
        (await tenant.Device.PostFhirAsync("/fhir/Observation", byIdentifier)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Device.PostFhirAsync("/fhir/Observation", byIdentifier)).StatusCode.ShouldBe(HttpStatusCode.OK);

        Totals(tenant.Id).ShouldBe((2, 2));
    }

    [Fact]
    public async Task A_code_that_is_not_a_vital_sign_is_reported_as_skipped_and_nothing_is_stored()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-skip");

        var issues = await (await tenant.Device.PostFhirAsync("/fhir/Observation", Fhir.Observation("72514-3", Fhir.Quantity(3, "{score}"))))
            .ShouldBeOutcomeAsync(HttpStatusCode.OK);

        issues.Single().GetProperty("severity").GetString().ShouldBe("information");
        issues.Single().GetProperty("diagnostics").GetString()!.ShouldContain("72514-3");
        issues.Expressions().ShouldBe(["Observation.code"]);
        Totals(tenant.Id).ShouldBe((0, 0));
    }

    public static TheoryData<string, string, string> InvalidObservations => new()
    {
        { "implausible heart rate", Fhir.Observation("8867-4", Fhir.Quantity(400, "/min")), "Observation.valueQuantity.value" },
        { "value as text", Fhir.Observation("8867-4", """ "valueQuantity":{"value":"72","code":"/min"}"""), "Observation.valueQuantity.value" },
        { "unit of another quantity", Fhir.Observation("8310-5", Fhir.Quantity(37, "kg")), "Observation.valueQuantity.code" },
        { "no value", Fhir.Observation("8867-4", ""), "Observation.value[x]" },
        { "no subject", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), subject: "null"), "Observation.subject" },
        { "unknown patient", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), subject: """{"reference":"Patient/nobody"}"""), "Observation.subject" },
        { "unknown MRN", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), subject: """{"identifier":{"value":"no-such-mrn"}}"""), "Observation.subject" },
        { "not a patient", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), subject: """{"reference":"Group/g"}"""), "Observation.subject.reference" },
        { "unknown device", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), extra: ""","device":{"reference":"Device/none"}"""), "Observation.device" },
        { "a date without time", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), effective: "2026-03-01"), "Observation.effectiveDateTime" },
        { "a time in the future", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), effective: "2999-03-01T10:00:00Z"), "Observation.effectiveDateTime" },
        { "a bad id", Fhir.Observation("8867-4", Fhir.Quantity(72, "/min"), extra: ""","id":"a b" """), "Observation.id" },
        { "a panel component without value", Fhir.Observation("85354-9", """ "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]}}]"""), "Observation.component[0].value[x]" },
    };

    [Theory]
    [MemberData(nameof(InvalidObservations))]
    public async Task An_invalid_observation_is_refused_with_an_OperationOutcome_naming_the_path_and_nothing_is_stored(string why, string json, string expression)
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-bad-" + why.Replace(' ', '-'));

        var issues = await (await tenant.Device.PostFhirAsync("/fhir/Observation", json)).ShouldBeOutcomeAsync(HttpStatusCode.UnprocessableEntity);

        issues.Expressions().ShouldContain(expression);
        issues.ShouldAllBe(i => i.GetProperty("severity").GetString() == "error" || i.GetProperty("severity").GetString() == "information");
        Totals(tenant.Id).ShouldBe((0, 0));
    }

    [Fact]
    public async Task A_body_that_is_not_an_observation_is_refused_with_400()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-not-obs");

        (await (await tenant.Device.PostFhirAsync("/fhir/Observation", "{\"resourceType\":\"Patient\"}")).ShouldBeOutcomeAsync(HttpStatusCode.BadRequest))
            .Expressions().ShouldBe(["Observation"]);
        await (await tenant.Device.PostFhirAsync("/fhir/Observation", "{not json")).ShouldBeOutcomeAsync(HttpStatusCode.BadRequest);
        Totals(tenant.Id).ShouldBe((0, 0));
    }

    [Fact]
    public async Task A_transaction_answers_each_observation_created_or_already_stored_in_its_own_entry()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-tx-mixed");
        var known = Fhir.Observation("8867-4", Fhir.Quantity(70, "/min"), extra: ""","id":"known" """);
        (await tenant.Device.PostFhirAsync("/fhir", Fhir.Bundle("transaction", known))).StatusCode.ShouldBe(HttpStatusCode.OK);
        const string panel = """
            "component":[
            {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
            {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]
            """;

        var response = await (await tenant.Device.PostFhirAsync("/fhir", Fhir.Bundle("transaction",
            Fhir.Observation("8867-4", Fhir.Quantity(71, "/min"), extra: ""","id":"fresh" """, effective: "2026-03-01T10:01:00Z"),
            known,
            Fhir.Observation("85354-9", panel, extra: ""","id":"bp" """, effective: "2026-03-01T10:02:00Z"))))
            .ShouldBeFhirAsync(HttpStatusCode.OK);

        response.ResponseEntries().Select(e => (e.GetProperty("status").GetString(), e.GetProperty("location").GetString()))
            .ShouldBe([("201 Created", "Observation/fresh"), ("200 OK", "Observation/known"), ("201 Created", "Observation/bp")]);
        Totals(tenant.Id).ShouldBe((4, 4));
    }

    [Fact]
    public async Task A_transaction_with_one_invalid_entry_stores_nothing_and_names_the_entry()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-tx");
        var bundle = Fhir.Bundle("transaction",
            Fhir.Observation("8867-4", Fhir.Quantity(70, "/min")),
            Fhir.Observation("8867-4", Fhir.Quantity(-5, "/min"), effective: "2026-03-01T10:05:00Z"));

        var issues = await (await tenant.Device.PostFhirAsync("/fhir", bundle)).ShouldBeOutcomeAsync(HttpStatusCode.UnprocessableEntity);

        issues.Expressions().ShouldBe(["Bundle.entry[1].resource.valueQuantity.value"]);
        Totals(tenant.Id).ShouldBe((0, 0));
    }

    [Fact]
    public async Task A_transaction_refused_by_the_store_rolls_back_the_patients_it_created_too()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-tx-store");
        const string patient = """{"resourceType":"Patient","id":"new-p","name":[{"family":"Lee","given":["Ada"]}]}""";
        var bundle = Fhir.Bundle("transaction", patient,
            Fhir.Observation("8867-4", Fhir.Quantity(70, "/min"), subject: """{"reference":"Patient/new-p"}"""),
            Fhir.Observation("8867-4", Fhir.Quantity(70, "/min"), subject: """{"reference":"Patient/missing"}"""));

        var issues = await (await tenant.Admin.PostFhirAsync("/fhir", bundle)).ShouldBeOutcomeAsync(HttpStatusCode.UnprocessableEntity);

        issues.Expressions().ShouldBe(["Bundle.entry[2].resource.subject"]);
        (await tenant.Admin.Get("/api/v1/patients/new-p")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Totals(tenant.Id).ShouldBe((0, 0));
        Db.Log("reference.changes", $"{tenant.Id}/new-p").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_batch_answers_each_entry_on_its_own_and_stores_the_valid_ones()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-batch");
        var bundle = Fhir.Bundle("batch",
            Fhir.Observation("8867-4", Fhir.Quantity(70, "/min"), extra: ""","id":"ok" """),
            Fhir.Observation("8867-4", Fhir.Quantity(-5, "/min"), extra: ""","id":"bad" """),
            Fhir.Observation("8867-4", Fhir.Quantity(70, "/min"), subject: """{"reference":"Patient/missing"}"""),
            """{"resourceType":"Encounter","id":"e1","status":"finished"}""",
            """{"resourceType":"Patient","id":"p9","name":[{"text":"Sam"}]}""");

        var response = await (await tenant.Device.PostFhirAsync("/fhir", bundle)).ShouldBeFhirAsync(HttpStatusCode.OK);

        response.GetProperty("type").GetString().ShouldBe("batch-response");
        var entries = response.ResponseEntries();
        entries.Select(e => e.GetProperty("status").GetString()).ShouldBe(["201 Created", "422 Unprocessable Entity", "422 Unprocessable Entity", "200 OK", "403 Forbidden"]);
        entries[0].GetProperty("location").GetString().ShouldBe("Observation/ok");
        entries[1].GetProperty("outcome").GetProperty("issue").EnumerateArray().Expressions().ShouldBe(["Bundle.entry[1].resource.valueQuantity.value"]);
        entries[2].GetProperty("outcome").GetProperty("issue").EnumerateArray().Expressions().ShouldBe(["Bundle.entry[2].resource.subject"]);
        entries[3].GetProperty("outcome").GetProperty("issue")[0].GetProperty("severity").GetString().ShouldBe("information");
        Db.Rows("SELECT id FROM readings WHERE customer_id = @c", ("@c", tenant.Id)).ShouldBe(["ok"]);
        (await tenant.Admin.Get("/api/v1/patients/p9")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_patient_in_a_bundle_is_created_then_updated_through_the_reference_store_with_a_change_event_each_time()
    {
        using var tenant = await Tenant.CreateAsync(Server, "fhir-patient");
        static string Patient(string family) => $$"""
            {"resourceType":"Patient","id":"pat-1","name":[{"use":"official","family":"{{family}}","given":["Kim"]}],"birthDate":"1970-05-04",
             "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"M-1"}]}
            """;

        var created = await (await tenant.Admin.PostFhirAsync("/fhir", Fhir.Bundle("batch", Patient("Park")))).ShouldBeFhirAsync(HttpStatusCode.OK);
        var updated = await (await tenant.Admin.PostFhirAsync("/fhir", Fhir.Bundle("batch", Patient("Parker")))).ShouldBeFhirAsync(HttpStatusCode.OK);

        created.ResponseEntries()[0].GetProperty("status").GetString().ShouldBe("201 Created");
        created.ResponseEntries()[0].GetProperty("location").GetString().ShouldBe("Patient/pat-1");
        updated.ResponseEntries()[0].GetProperty("status").GetString().ShouldBe("200 OK");
        var patient = await (await tenant.Admin.Get("/api/v1/patients/pat-1")).ShouldBeAsync(HttpStatusCode.OK);
        patient.GetProperty("name").GetString().ShouldBe("Kim Parker");
        patient.GetProperty("mrn").GetString().ShouldBe("M-1");
        patient.GetProperty("birthDate").GetString().ShouldBe("1970-05-04");
        Db.Log("reference.changes", $"{tenant.Id}/pat-1").Select(m => m.Body.GetProperty("data").GetProperty("name").GetString())
            .ShouldBe(["Kim Park", "Kim Parker"]);
    }

    [Fact]
    public async Task Another_customer_cannot_read_an_observation_or_post_for_a_patient_not_its_own()
    {
        using var one = await Tenant.CreateAsync(Server, "fhir-tenant-1");
        using var two = await Tenant.CreateAsync(Server, "fhir-tenant-2");
        (await one.Device.PostFhirAsync("/fhir/Observation", Fhir.Observation("8867-4", Fhir.Quantity(70, "/min"), extra: ""","id":"mine" """)))
            .StatusCode.ShouldBe(HttpStatusCode.Created);

        await (await two.Admin.Get("/fhir/Observation/mine")).ShouldBeOutcomeAsync(HttpStatusCode.NotFound);
        using var anonymous = Server.Client();
        (await anonymous.PostFhirAsync("/fhir/Observation", Fhir.Observation("8867-4", Fhir.Quantity(70, "/min")))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.Get("/fhir/Observation/mine")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : FhirIngestTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : FhirIngestTests(fixture), IClassFixture<DistributedServerFixture>;
}
